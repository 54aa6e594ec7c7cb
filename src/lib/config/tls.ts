import {X509Certificate, createPrivateKey} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {ConfigError, UsageError, errorMessage} from '../errors.js'
import {type RawValue, booleanValue} from './values.js'
import {type VariableName} from './variables.js'

/**
 * TLS beyond KAFKA_SSL=true: a private CA, a client certificate for mutual TLS. Files are read
 * and checked when the configuration loads, so a wrong path or passphrase is one line naming the
 * variable before kq connects, rather than a handshake that fails somewhere inside the client.
 */
export interface TlsSettings {
  /** PEM certificates of the CAs to trust instead of Node's bundled ones. */
  ca?: string
  /** PEM client certificate (chain) and its private key, for brokers that require one. */
  cert?: string
  key?: string
  /** Decrypts `key`; a secret: never shown. */
  passphrase?: string
  /** False only to test against a broker whose certificate cannot be checked. @defaultValue true */
  rejectUnauthorized: boolean
}

const FILE_VARIABLES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const

type Lookup = (name: VariableName) => RawValue | undefined

/** The TLS settings, or undefined when none beyond KAFKA_SSL are given. */
export function readTls(lookup: Lookup, ssl: boolean, cwd: string): TlsSettings | undefined {
  const given = [...FILE_VARIABLES, 'KAFKA_SSL_KEY_PASSPHRASE', 'KAFKA_SSL_REJECT_UNAUTHORIZED'] as const
  const first = given.find((name) => lookup(name) !== undefined)
  if (first === undefined) return undefined
  if (!ssl) fail(lookup(first) as RawValue, 'is set but KAFKA_SSL is not true: set KAFKA_SSL=true to connect with TLS')

  const certValue = lookup('KAFKA_SSL_CERT_FILE')
  const keyValue = lookup('KAFKA_SSL_KEY_FILE')
  if ((certValue === undefined) !== (keyValue === undefined)) {
    fail((certValue ?? keyValue) as RawValue, 'needs KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE together: set both, for mutual TLS')
  }

  const reject = lookup('KAFKA_SSL_REJECT_UNAUTHORIZED')
  const settings: TlsSettings = {rejectUnauthorized: reject === undefined ? true : booleanValue(reject)}
  const caValue = lookup('KAFKA_SSL_CA_FILE')
  if (caValue) settings.ca = certificates(caValue, cwd).text
  if (certValue && keyValue) {
    const cert = certificates(certValue, cwd)
    const passphraseValue = lookup('KAFKA_SSL_KEY_PASSPHRASE')
    settings.cert = cert.text
    settings.key = readPem(keyValue, cwd)
    if (passphraseValue) settings.passphrase = passphraseValue.raw
    checkKey(settings.key, settings.passphrase, cert.first, {key: keyValue, cert: certValue, passphrase: passphraseValue})
  } else if (lookup('KAFKA_SSL_KEY_PASSPHRASE')) {
    fail(lookup('KAFKA_SSL_KEY_PASSPHRASE') as RawValue, 'is set without KAFKA_SSL_KEY_FILE: set the key file, or remove the passphrase')
  }

  return settings
}

/** A message about a setting, naming it and where it was read, never its value. */
function fail(value: RawValue, problem: string): never {
  const message = `${value.label} ${problem}`
  throw value.fromCommandLine ? new UsageError(message) : new ConfigError(message)
}

function readPem(value: RawValue, cwd: string): string {
  const file = path.resolve(cwd, value.raw.trim())
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder' : errorMessage(error)
    fail(value, `names ${value.raw.trim()}, which cannot be read (${why}): check the path`)
  }

  if (!text.includes('-----BEGIN ')) {
    const convert = value.label.startsWith('KAFKA_SSL_KEY_FILE') ? 'openssl pkey' : 'openssl x509'
    fail(value, `names ${value.raw.trim()}, which is not a PEM file (no -----BEGIN line): name its PEM form (\`${convert} -inform DER -in FILE -out FILE.pem\` converts a DER file)`)
  }

  return text
}

function certificates(value: RawValue, cwd: string): {text: string; first: X509Certificate} {
  const text = readPem(value, cwd)
  try {
    return {text, first: new X509Certificate(text)}
  } catch {
    fail(value, `names ${value.raw.trim()}, which holds no readable PEM certificate: name the file that starts -----BEGIN CERTIFICATE-----`)
  }
}

function checkKey(
  pem: string,
  passphrase: string | undefined,
  cert: X509Certificate,
  values: {key: RawValue; cert: RawValue; passphrase?: RawValue},
): void {
  // OpenSSL's own error for a missing passphrase varies between versions; the PEM header does not.
  if (passphrase === undefined && /ENCRYPTED/.test(pem)) fail(values.key, 'is encrypted: set KAFKA_SSL_KEY_PASSPHRASE')
  let key
  try {
    key = createPrivateKey({key: pem, ...(passphrase !== undefined && {passphrase})})
  } catch {
    if (values.passphrase) fail(values.passphrase, 'does not decrypt KAFKA_SSL_KEY_FILE: check the passphrase')
    fail(values.key, `names ${values.key.raw.trim()}, which holds no readable private key: name the file that starts -----BEGIN PRIVATE KEY----- (or RSA, EC, ENCRYPTED PRIVATE KEY)`)
  }

  if (!cert.checkPrivateKey(key)) fail(values.cert, 'is not the certificate of the key in KAFKA_SSL_KEY_FILE: check both paths')
}
