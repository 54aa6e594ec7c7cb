import {timingSafeEqual} from 'node:crypto'
import {isIP} from 'node:net'

import {UsageError} from '../errors.js'
import {isLoopback, isUnknownHostName} from '../host-names.js'

/** The header the page sends with every POST: a cross-site form or image cannot set it. */
export const CSRF_HEADER = 'x-kq-csrf'

/** The cookie a `?token=` first visit sets, so that the page's own requests carry the token. */
export const TOKEN_COOKIE = 'kq_dashboard_token'

/** Who may use a running dashboard, and what they may do. */
export interface AccessPolicy {
  /** Required on every request when set: `Authorization: Bearer <token>` or the cookie. */
  token?: string
  /** Refuses every action (replay, purge) with 403. */
  readOnly: boolean
}

/** What a request shows of itself, for the checks below. Pure data: no framework types. */
export interface RequestFacts {
  method: string
  path: string
  authorization?: string
  cookie?: string
  /** The `token` query parameter. */
  queryToken?: string
  csrf?: string
  /** The Host header: the name the client addressed the dashboard by. */
  host?: string
}

export type AccessVerdict = {allowed: true; setCookie?: string} | {allowed: false; status: 401 | 403; error: string}

// Loopback addresses reach only this machine: the one place a dashboard may serve without a token.
export {isLoopback} from '../host-names.js'

/**
 * The shortest token taken: the dashboard answers as many guesses as it is sent, and shows
 * payloads, decrypted, and replays and purges.
 */
export const MIN_TOKEN_LENGTH = 16

/** The token's length is told, never the token: it is a secret however short. */
function shortTokenError(token: string): UsageError {
  return new UsageError(
    `the dashboard token (--token or KQ_DASHBOARD_TOKEN) has ${token.length} character${token.length === 1 ? '' : 's'}: use at least ${MIN_TOKEN_LENGTH}: make one with \`openssl rand -hex 24\``,
  )
}

/**
 * Refuses, before anything listens, a token short enough to guess, a host name no DNS server
 * knows, then serving Kafka's dead letters to a network without a token. The name before the
 * missing token: asking for a token to serve on a name that does not resolve would send the
 * person after the wrong fix.
 */
export async function assertSafeBinding(host: string, token: string | undefined): Promise<void> {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) throw shortTokenError(token)
  // Only a name DNS says does not exist: a lookup that failed for now is left to listen().
  if (isIP(host) === 0 && !isLoopback(host) && (await isUnknownHostName(host))) throw hostNotFoundError(host)
  if (!isLoopback(host) && !token) {
    throw new UsageError(`serving on ${host} lets other machines in: pass --token (or set KQ_DASHBOARD_TOKEN in the environment: kq does not read it from .env) to require one, or keep the default --host 127.0.0.1`)
  }
}

/** A --host that no DNS server knows: from the check above, and from listen() should DNS change between them. */
export function hostNotFoundError(host: string): UsageError {
  return new UsageError(`host name ${host} does not resolve: check --host (no DNS server knows it), or keep the default 127.0.0.1`)
}


/** Actions change Kafka: they are POSTs under /api, and the page names them. */
export function isAction(facts: Pick<RequestFacts, 'method' | 'path'>): boolean {
  return facts.path.startsWith('/api/') && facts.method !== 'GET' && facts.method !== 'HEAD'
}

/**
 * The token, then the CSRF header, then read-only. A request with the token in its query is
 * let in and told to set the cookie, so that the link someone was given works once opened.
 */
export function judgeRequest(facts: RequestFacts, policy: AccessPolicy): AccessVerdict {
  let setCookie: string | undefined
  // Without a token, loopback is the only guard, and a web page whose name an attacker's DNS
  // points at 127.0.0.1 (DNS rebinding) passes it: the browser then sends that page's requests,
  // the CSRF header included, as its own. Such a request still names the attacker's host.
  if (policy.token === undefined && facts.host !== undefined && !isLoopback(hostName(facts.host))) {
    return {
      allowed: false,
      status: 403,
      error: `without a token this dashboard answers only requests addressed to this machine (127.0.0.1 or localhost), not to ${facts.host}: open it at 127.0.0.1, or start it with --token (or KQ_DASHBOARD_TOKEN) to reach it through a proxy or by name`,
    }
  }

  if (policy.token !== undefined) {
    const bearer = /^Bearer\s+(.+)$/i.exec(facts.authorization ?? '')?.[1]
    const cookie = cookieValue(facts.cookie, TOKEN_COOKIE)
    const carried = [bearer, cookie, facts.queryToken].find((each) => each !== undefined && sameSecret(each, policy.token!))
    if (carried === undefined) {
      return {allowed: false, status: 401, error: 'this dashboard needs its token: open it with ?token=<token>, or send Authorization: Bearer <token>'}
    }

    if (carried === facts.queryToken && carried !== cookie) setCookie = carried
  }

  if (isAction(facts)) {
    if (facts.csrf !== '1') {
      return {allowed: false, status: 403, error: `actions need the ${CSRF_HEADER}: 1 header (the dashboard page sends it); a cross-site request cannot`}
    }

    if (policy.readOnly) return {allowed: false, status: 403, error: 'this dashboard is read-only (--read-only): use kq dlt:replay or kq dlt:purge instead'}
  }

  return setCookie === undefined ? {allowed: true} : {allowed: true, setCookie}
}

/** The name in a Host header, without its port: `[::1]:8080` is `[::1]`; one that is no host name is ''. */
function hostName(header: string): string {
  try {
    return new URL(`http://${header}`).hostname
  } catch {
    return ''
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return decodeURIComponent(value.join('='))
  }

  return undefined
}

/** Compares in constant time, so that the answer's timing does not spell the token out. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
