import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {type TlsSettings} from '../config/index.js'
import {LocalKafkaError, errorMessage} from '../errors.js'
import {LOOPBACK} from './layout.js'

const run = promisify(execFile)

/**
 * TLS for the local Kafka (kafka:up --tls): a CA made for this cluster alone, a broker
 * certificate for 127.0.0.1 signed by it, and a client certificate for mutual TLS (--mtls),
 * all PEM files in `<dir>/tls`, made with openssl on the first start. Kafka reads PEM directly
 * (ssl.keystore.type=PEM), so no Java keystore or store password is needed. The CA's key is kept
 * so that nothing else is needed to inspect or extend the setup; the keys are readable by their
 * owner only.
 */
export interface LocalTls {
  /** Clients must present a certificate signed by the cluster's CA. */
  mtls: boolean
}

/** Where the certificates live, for the .env lines and the broker's settings. */
export interface LocalTlsFiles {
  caFile: string
  /** The client certificate and key: for mutual TLS, and useful to any client. */
  certFile: string
  keyFile: string
  mtls: boolean
}

const DAYS = '825'

export function tlsFiles(dir: string, tls: LocalTls): LocalTlsFiles {
  const tlsDir = path.join(dir, 'tls')
  return {
    caFile: path.join(tlsDir, 'ca.pem'),
    certFile: path.join(tlsDir, 'client.pem'),
    keyFile: path.join(tlsDir, 'client-key.pem'),
    mtls: tls.mtls,
  }
}

function brokerKeystore(dir: string): string {
  return path.join(dir, 'tls', 'broker.pem')
}

/** Makes the CA and the certificates unless they exist; a cluster keeps its CA across restarts. */
export async function ensureCertificates(dir: string, tls: LocalTls): Promise<void> {
  const files = tlsFiles(dir, tls)
  if (existsSync(brokerKeystore(dir)) && existsSync(files.keyFile)) return
  const tlsDir = path.dirname(files.caFile)
  await mkdir(tlsDir, {recursive: true, mode: 0o700})
  const openssl = async (args: string[]) => {
    try {
      await run('openssl', args, {cwd: tlsDir, timeout: 60_000})
    } catch (error) {
      const {code, stderr} = error as NodeJS.ErrnoException & {stderr?: string}
      if (code === 'ENOENT') throw new LocalKafkaError('--tls needs openssl, which is not installed: install it, or start without --tls')
      throw new LocalKafkaError(`making the local Kafka's certificates failed: ${(stderr || errorMessage(error)).trim().split('\n')[0]}`)
    }
  }

  const serial = () => `0x${randomBytes(8).toString('hex')}`
  const key = ['-newkey', 'rsa:2048', '-nodes']
  await openssl(['req', '-x509', ...key, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', DAYS, '-subj', '/CN=kq local Kafka CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  for (const [name, subject, extensions] of [
    ['broker', `/CN=${LOOPBACK}`, [`subjectAltName=IP:${LOOPBACK}`, 'extendedKeyUsage=serverAuth,clientAuth']],
    ['client', '/CN=kq-client', ['extendedKeyUsage=clientAuth']],
  ] as const) {
    await openssl(['req', ...key, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject, ...extensions.flatMap((each) => ['-addext', each])])
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-set_serial', serial(),
      '-days', DAYS, '-copy_extensions', 'copy', '-out', `${name}.pem`])
    await rm(path.join(tlsDir, `${name}.csr`))
  }

  // Kafka's PEM keystore is one file: the private key, then the certificate.
  const [brokerKey, brokerCert] = await Promise.all(['broker-key.pem', 'broker.pem'].map((name) => readFile(path.join(tlsDir, name), 'utf8')))
  await writeFile(brokerKeystore(dir), brokerKey + brokerCert, {mode: 0o600})
  await rm(path.join(tlsDir, 'broker-key.pem'))
  await Promise.all(['ca-key.pem', 'client-key.pem'].map((name) => chmod(path.join(tlsDir, name), 0o600)))
}

/** The broker settings for a client listener speaking TLS. */
export function tlsProperties(dir: string, tls: LocalTls, listener: string): Array<[string, string]> {
  return [
    ['ssl.keystore.type', 'PEM'],
    ['ssl.keystore.location', brokerKeystore(dir)],
    ['ssl.truststore.type', 'PEM'],
    ['ssl.truststore.location', tlsFiles(dir, tls).caFile],
    // A SASL_SSL listener takes ssl.client.auth only with the listener's prefix (KIP-684).
    [`listener.name.${listener.toLowerCase()}.ssl.client.auth`, tls.mtls ? 'required' : 'none'],
  ]
}

/** What a client of the local cluster (kq's own check that it answers, too) sets for TLS. */
export async function clientTls(dir: string, tls: LocalTls): Promise<TlsSettings> {
  const files = tlsFiles(dir, tls)
  const [ca, cert, key] = await Promise.all([files.caFile, files.certFile, files.keyFile].map((file) => readFile(file, 'utf8')))
  return {ca, rejectUnauthorized: true, ...(tls.mtls && {cert, key})}
}

/** A cluster keeps its listener's protocol: clients and the .env lines printed for them rely on it. */
export function assertSameTls(had: LocalTls | undefined, wanted: LocalTls | undefined, dir: string): void {
  if (wanted === undefined || (had !== undefined && had.mtls === wanted.mtls)) return
  const was = had === undefined ? 'without --tls' : had.mtls ? 'with --tls --mtls' : 'with --tls and without --mtls'
  throw new LocalKafkaError(
    `the local Kafka in ${dir} was set up ${was}: run \`kq kafka:down --purge\` to start over, or use another --dir`,
  )
}
