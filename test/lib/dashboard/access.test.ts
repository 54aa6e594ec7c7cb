import {strict as assert} from 'node:assert'

import {assertSafeBinding, isLoopback, judgeRequest} from '../../../src/lib/dashboard/access.js'
import {UsageError} from '../../../src/lib/errors.js'

const read = {method: 'GET', path: '/api/queues'}
const replay = {method: 'POST', path: '/api/dead-letters/replay', csrf: '1'}

describe('dashboard access', () => {
  it('knows loopback addresses, and refuses any other without a token', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.ok(isLoopback(host), host)
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'example.com']) assert.ok(!isLoopback(host), host)
    await assert.rejects(assertSafeBinding('0.0.0.0', undefined), UsageError)
    await assert.doesNotReject(assertSafeBinding('0.0.0.0', 'a-secret-of-24-characters'))
    await assert.doesNotReject(assertSafeBinding('127.0.0.1', undefined))
  })

  it('refuses a token shorter than 16 characters, on any address, saying how to make one and not what it was', async () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      await assert.rejects(assertSafeBinding(host, 'x'), (error: Error) => {
        assert.ok(error instanceof UsageError)
        assert.equal(error.message, 'the dashboard token (--token or KQ_DASHBOARD_TOKEN) has 1 character: use at least 16: make one with `openssl rand -hex 24`')
        return true
      })
    }

    await assert.rejects(assertSafeBinding('127.0.0.1', 'fifteen-chars-x'), /has 15 characters: use at least 16/)
    await assert.doesNotReject(assertSafeBinding('127.0.0.1', 'sixteen-chars-xy'))
  })

  it('says a host name that does not resolve does not, with a token or without', async () => {
    for (const token of [undefined, 'a-secret-of-24-characters']) {
      await assert.rejects(assertSafeBinding('no-such-host.invalid', token), (error: Error) => {
        assert.ok(error instanceof UsageError)
        assert.equal(error.message, 'host name no-such-host.invalid does not resolve: check --host (no DNS server knows it), or keep the default 127.0.0.1')
        return true
      })
    }
  })

  it('lets everything in without a token, and actions only with the CSRF header', () => {
    assert.deepEqual(judgeRequest(read, {readOnly: false}), {allowed: true})
    assert.deepEqual(judgeRequest(replay, {readOnly: false}), {allowed: true})
    const forged = judgeRequest({...replay, csrf: undefined}, {readOnly: false})
    assert.equal(forged.allowed || forged.status, 403)
  })

  it('without a token, refuses a request addressed to another host name, as a DNS-rebinding page sends it', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'localhost']) {
      assert.deepEqual(judgeRequest({...replay, host}, {readOnly: false}), {allowed: true}, host)
    }

    for (const host of ['evil.example:8080', 'evil.example', '10.0.0.5:8080', '']) {
      const refused = judgeRequest({...read, host}, {readOnly: false})
      assert.ok(!refused.allowed && refused.status === 403 && /--token/.test(refused.error), host)
    }

    // With a token, the name it is reached by is the proxy's business.
    assert.deepEqual(judgeRequest({...read, host: 'dash.example.com', authorization: 'Bearer abc'}, {token: 'abc', readOnly: false}), {allowed: true})
  })

  it('refuses actions when read-only, and lets reads in', () => {
    assert.deepEqual(judgeRequest(read, {readOnly: true}), {allowed: true})
    const refused = judgeRequest(replay, {readOnly: true})
    assert.ok(!refused.allowed && refused.status === 403 && /read-only/.test(refused.error))
  })

  it('takes the token from a bearer header, the cookie or the query, and sets the cookie from the query', () => {
    const policy = {token: 'abc', readOnly: false}
    assert.equal(judgeRequest(read, policy).allowed, false)
    assert.equal(judgeRequest({...read, authorization: 'Bearer abd'}, policy).allowed, false)
    assert.deepEqual(judgeRequest({...read, authorization: 'Bearer abc'}, policy), {allowed: true})
    assert.deepEqual(judgeRequest({...read, cookie: 'other=1; kq_dashboard_token=abc'}, policy), {allowed: true})
    assert.deepEqual(judgeRequest({...read, queryToken: 'abc'}, policy), {allowed: true, setCookie: 'abc'})
    // The token does not stand in for the CSRF header.
    assert.equal(judgeRequest({...replay, csrf: undefined, authorization: 'Bearer abc'}, policy).allowed, false)
  })
})
