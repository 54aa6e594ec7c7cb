import net from 'node:net'
import tls from 'node:tls'

import {type ISocketFactory} from 'kafkajs'

/** Socket error codes, in words a user recognises. */
export const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
}

/**
 * TLS handshakes that failed because one side could not trust the other: the broker is there,
 * and what to change is the configuration, which each names.
 */
export const TLS_FAILURES: Record<string, {reason: string; advice: string}> = {
  ERR_TLS_CERT_ALTNAME_INVALID: {
    reason: "the broker's TLS certificate does not name this host",
    advice: 'set KAFKA_BROKERS to a host name or address that the certificate holds',
  },
  ...Object.fromEntries(
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].map(
      (code) => [
        code,
        {
          reason: "the broker's TLS certificate is not signed by a CA kq trusts",
          advice: "set KAFKA_SSL_CA_FILE to the PEM file of the cluster's CA",
        },
      ],
    ),
  ),
  CERT_HAS_EXPIRED: {reason: "the broker's TLS certificate has expired", advice: "ask the cluster's admin to renew it"},
  // TLS 1.3 says a certificate is missing; 1.2 only that the handshake failed on one. A
  // certificate signed by a CA the broker does not trust is "certificate unknown" (Java's answer).
  ...Object.fromEntries(
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'].map((code) => [
      code,
      {
        reason: 'the broker requires a client certificate it trusts',
        advice: "set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE to a client certificate signed by the cluster's CA, and its key",
      },
    ]),
  ),
}

/** Why a broker that took the connection but not the TLS handshake did not answer. */
export function tlsNotSpoken(address: string): string {
  return `${address} accepted the connection but not the TLS handshake (KAFKA_SSL=true: a plaintext listener?)`
}

/** What to do about a listener that answered a plaintext client in TLS. */
export const SPEAKS_TLS =
  "the port speaks TLS: set KAFKA_SSL=true (and KAFKA_SSL_CA_FILE for a private CA), or use the plaintext listener's port"

/** Why no broker answered, as far as the sockets tell: see SocketWatch.diagnose. */
export interface SocketDiagnosis {
  reason: string
  notKafka: boolean
  waiting?: boolean
  advice?: string
}

/**
 * The start of a TLS record (an alert, 0x15, or a handshake, 0x16, of TLS 1.x): what a TLS
 * listener sends a client that spoke plaintext to it. As the size of a Kafka response it would
 * be over 350 MB, which no broker sends a first request.
 */
function isTlsRecord(chunk: Buffer): boolean {
  return chunk.length >= 2 && (chunk[0] === 0x15 || chunk[0] === 0x16) && chunk[1] === 0x03
}

/**
 * Connections a listener ended the same way before kq says so without waiting for kafkajs's
 * retries: one could be a broker restarting, two in a row is how the listener is set up.
 */
const HANG_UPS_TO_TELL = 2

/**
 * The sockets of one client, made by kq rather than kafkajs, for two things kafkajs cannot do:
 * say why no broker answered (a name that does not resolve, a port that answers but is not
 * Kafka), and drop every socket at once when kq stops waiting, so that a request kafkajs would
 * wait 30 s for does not keep the process alive after the error is shown.
 */
export class SocketWatch {
  private readonly open = new Set<net.Socket>()
  /** Brokers that accepted a TCP connection (or finished a TLS handshake). */
  private readonly accepted = new Set<string>()
  /** Brokers that sent something back: Kafka, whatever else went wrong later. */
  private readonly answered = new Set<string>()
  /** The last socket error of each broker. */
  private readonly failures = new Map<string, string>()
  private closed = false
  /** Brokers that accepted TCP but whose TLS handshake has not completed. */
  private readonly tlsPending = new Set<string>()
  /** A handshake that failed on trust (see TLS_FAILURES): it says what to change. */
  private tlsFailure: {reason: string; advice: string} | undefined
  /** Told once, the first time a broker's host name does not exist (see whenHostNotFound). */
  private hostNotFound?: () => void
  /** A broker that answered a plaintext client in TLS. */
  private tlsAnswered: string | undefined
  /** Connections closed or reset by a broker before it sent a byte, or before TLS was set up. */
  private hangUps = 0
  /** The broker that did so last. */
  private hungUpBy: string | undefined
  /** Told once, when the sockets know no retry will connect (see whenHopeless). */
  private hopeless?: (found: SocketDiagnosis) => void

  readonly factory: ISocketFactory = ({host, port, ssl, onConnect}) => {
    const address = `${host}:${port}`
    const connected = () => {
      this.accepted.add(address)
      onConnect()
    }

    if (this.closed) {
      // kafkajs retries after kq gave up: a socket that fails at once ends that quickly.
      const refused = new net.Socket()
      process.nextTick(() => refused.destroy(new Error('the client was closed')))
      return refused
    }

    const socket = ssl
      ? tls.connect({host, port, ...(net.isIP(host) ? {} : {servername: host}), ...(typeof ssl === 'object' ? ssl : {})}, connected)
      : net.connect({host, port}, connected)
    // Whether this connection got as far as TCP, and then as a byte from the broker, or a
    // finished TLS handshake: a listener that ends it in between hung up on the client.
    let tcpConnected = false
    let spoken = false
    socket.once('connect', () => (tcpConnected = true))
    if (ssl) {
      // A TCP connection that fails its TLS handshake: most often a plaintext listener.
      socket.once('connect', () => this.tlsPending.add(address))
      socket.once('secureConnect', () => {
        this.tlsPending.delete(address)
        spoken = true
      })
    }

    socket.once('data', (chunk: Buffer) => {
      this.answered.add(address)
      if (!ssl) spoken = true
      if (!ssl && isTlsRecord(chunk)) {
        this.tlsAnswered = address
        this.tellHopeless()
      }
    })
    // As kafkajs's own factory: a dead peer is noticed without a request in flight.
    socket.setKeepAlive(true, 60_000)
    this.open.add(socket)
    socket.once('close', () => {
      // Still in the set: the peer closed it, not kq.
      if (!this.open.delete(socket)) return
      if (this.accepted.has(address) && !this.failures.has(address)) this.failures.set(address, 'closed')
      if (tcpConnected && !spoken) {
        this.hungUpBy = address
        if (++this.hangUps >= HANG_UPS_TO_TELL) this.tellHopeless()
      }
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const tlsFailure = error.code ? TLS_FAILURES[error.code] : undefined
      // OpenSSL's messages span lines; the first says what happened.
      this.failures.set(address, tlsFailure?.reason ?? (error.code && CONNECTION_REASONS[error.code]) ?? error.message.split('\n')[0].trim())
      if (tlsFailure) {
        this.tlsFailure = tlsFailure
        this.tellHopeless()
      }

      if (error.code === 'ENOTFOUND') {
        const told = this.hostNotFound
        this.hostNotFound = undefined
        told?.()
      }
    })
    return socket
  }

  /**
   * Ends every socket with an error, which kafkajs hears (unlike a plain close): it fails the
   * requests waiting on them at once, so that a disconnect does not wait out their timeout.
   * Any socket kafkajs opens after fails at once.
   */
  abort(): void {
    this.closed = true
    for (const socket of this.open) socket.destroy(new Error('abandoned by kq'))
    this.open.clear()
  }

  /** True once kq has given up on this client (see abort): kafkajs must not try again. */
  get abandoned(): boolean {
    return this.closed
  }

  /** Calls `listener` the first time a broker's host name does not exist (ENOTFOUND). */
  whenHostNotFound(listener: () => void): void {
    this.hostNotFound = listener
  }

  /**
   * Calls `listener` once, as soon as the sockets know that kafkajs's retries cannot connect: a
   * TLS handshake failed on trust, a broker answered plaintext in TLS, or listeners ended
   * connections at once, twice.
   */
  whenHopeless(listener: (found: SocketDiagnosis) => void): void {
    this.hopeless = listener
  }

  private tellHopeless(): void {
    const found = this.hopelessReason()
    const told = this.hopeless
    if (found === undefined || told === undefined) return
    this.hopeless = undefined
    told(found)
  }

  /**
   * Why no retry will connect, when the sockets know: a certificate not trusted, a listener that
   * speaks TLS to a plaintext client, one that resets the TLS hello, or one that hangs up at once
   * on every connection.
   */
  hopelessReason(): SocketDiagnosis | undefined {
    // A certificate either side does not trust is not trusted on the next try either.
    if (this.tlsFailure) return {...this.tlsFailure, notKafka: false}
    if (this.tlsAnswered !== undefined) {
      return {reason: `${this.tlsAnswered} answered in TLS and closed the connection right after it opened`, notKafka: false, advice: SPEAKS_TLS}
    }

    if (this.hangUps < HANG_UPS_TO_TELL) return undefined
    const noTls = this.tlsNotSpokenBy()
    if (noTls !== undefined) return {reason: tlsNotSpoken(noTls), notKafka: true}
    // "closed" makes the error advise TLS or SASL, whichever the client does not offer yet.
    return {reason: `${this.hungUpBy} closed the connection right after it opened`, notKafka: false}
  }

  /**
   * A broker that took the TCP connection but not the TLS handshake, when no handshake failed on
   * trust: most often a plaintext listener, which resets the connection at the TLS hello.
   */
  tlsNotSpokenBy(): string | undefined {
    if (this.tlsFailure) return undefined
    const [address] = this.tlsPending
    return address
  }

  /** True once any broker took a TCP connection (or finished a TLS handshake). */
  reachedAny(): boolean {
    return this.accepted.size > 0
  }

  /**
   * Why no broker answered within the deadline, as far as the sockets tell; undefined when they
   * tell nothing (no attempt got as far as a socket).
   */
  diagnose(): SocketDiagnosis | undefined {
    if (this.tlsFailure) return {...this.tlsFailure, notKafka: false}
    const hopeless = this.hopelessReason()
    if (hopeless !== undefined) return hopeless
    const noTls = this.tlsNotSpokenBy()
    if (noTls !== undefined) {
      return {reason: tlsNotSpoken(noTls), notKafka: true}
    }

    const [silent] = [...this.accepted].filter((address) => !this.failures.has(address) && !this.answered.has(address))
    if (silent !== undefined) return {reason: `${silent} accepted the connection but did not answer as Kafka`, notKafka: true}
    // Kafka that answers, then leaves a request unanswered: most often a cluster that lost the
    // majority of its controllers, where a new producer waits for an id that no one can give.
    const [stalled] = [...this.accepted].filter((address) => !this.failures.has(address))
    if (stalled !== undefined) {
      return {
        reason: `${stalled} answered, then left a request unanswered`,
        notKafka: false,
        waiting: true,
        advice: "check that most of the cluster's controllers are up: without them, Kafka cannot give a new producer its id",
      }
    }

    const [dropped] = [...this.accepted]
    if (dropped !== undefined) {
      // "closed" makes the error advise SASL or TLS: what a listener that hangs up on a client wants most often.
      return {reason: `${dropped} accepted the connection, then closed it during Kafka's handshake (${this.failures.get(dropped)})`, notKafka: false}
    }

    const [failure] = this.failures
    if (failure === undefined) return undefined
    const [address, reason] = failure
    return {reason: this.failures.size === 1 ? reason : `${address}: ${reason}`, notKafka: false}
  }
}
