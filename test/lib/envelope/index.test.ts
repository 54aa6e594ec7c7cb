import {strict as assert} from 'node:assert'

import {
  createEnvelope,
  decodeEnvelope,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeEnvelope,
  EnvelopeError,
  type EnvelopeProblem,
  HEADERS,
  type JobEnvelope,
  jobIdTime,
} from '../../../src/lib/envelope/index.js'
import {ExitCode, KqError} from '../../../src/lib/errors.js'
import {ACCEPTED, BEYOND_THE_SCHEMA, minimalEnvelope, REJECTED, VALID_ID} from './cases.js'

const NOW = new Date('2026-11-26T17:30:01.123Z')
const clock = () => NOW

function sampleEnvelope(): JobEnvelope<{userId: number}> {
  return createEnvelope({job: 'SendWelcomeEmail', queue: 'emails', payload: {userId: 42}}, {now: clock})
}

/** Checks the problem and field, and that the message is one line a CLI can print after "Error: ". */
function assertEnvelopeError(run: () => unknown, problem: EnvelopeProblem, field?: string): EnvelopeError {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }

  assert.ok(caught instanceof EnvelopeError, `expected an EnvelopeError (${problem}), got ${String(caught)}`)
  assert.ok(caught instanceof KqError)
  assert.equal(caught.name, 'EnvelopeError')
  assert.equal(caught.problem, problem, caught.message)
  assert.equal(caught.field, field, caught.message)
  assert.equal(caught.exitCode, ExitCode.Usage)
  assert.deepEqual(caught.details, {problem, ...(field && {field})})
  assert.match(caught.message, /^[a-z]/, 'starts lower-case')
  assert.doesNotMatch(caught.message, /[\n\r\u2028\u2029]/, 'is one line')
  if (field) assert.ok(caught.message.includes(`"${field}"`), `names the field: ${caught.message}`)
  return caught
}

/** A small deterministic generator, so that a failing fuzz case can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
    return state / 2 ** 32
  }
}

describe('envelope', () => {
  describe('createEnvelope', () => {
    it('makes a first attempt with a new id and the clock time', () => {
      const envelope = sampleEnvelope()
      assert.equal(envelope.kq, 1)
      assert.equal(envelope.attempt, 1)
      assert.equal(envelope.dispatchedAt, '2026-11-26T17:30:01.123Z')
      assert.equal(envelope.job, 'SendWelcomeEmail')
      assert.equal(envelope.queue, 'emails')
      assert.deepEqual(envelope.payload, {userId: 42})
    })

    it('takes the id timestamp from the same clock as dispatchedAt', () => {
      assert.equal(jobIdTime(sampleEnvelope().id), NOW.getTime())
    })

    it('leaves out the options a job does not set', () => {
      const envelope = createEnvelope(
        {job: 'A', queue: 'q', payload: null, maxTries: undefined, timeout: undefined, backoff: undefined},
        {now: clock},
      )
      assert.deepEqual(Object.keys(envelope).sort(), ['attempt', 'dispatchedAt', 'id', 'job', 'kq', 'payload', 'queue'])
    })

    it('copies the options a job sets', () => {
      const backoff = [1, 5, 30]
      const envelope = createEnvelope({job: 'A', queue: 'q', payload: 1, maxTries: 4, timeout: 90, backoff}, {now: clock})
      backoff.push(999)
      assert.equal(envelope.maxTries, 4)
      assert.equal(envelope.timeout, 90)
      assert.deepEqual(envelope.backoff, [1, 5, 30])
    })

    it('uses the id it is given', () => {
      assert.equal(createEnvelope({job: 'A', queue: 'q', payload: 1}, {id: VALID_ID}).id, VALID_ID)
    })

    it('uses the real clock by default', () => {
      const before = Date.now()
      const envelope = createEnvelope({job: 'A', queue: 'q', payload: 1})
      const at = Date.parse(envelope.dispatchedAt)
      assert.ok(at >= before && at <= Date.now())
      assert.equal(jobIdTime(envelope.id), at)
    })

    it('refuses what decode would refuse', () => {
      assertEnvelopeError(() => createEnvelope({job: '../x', queue: 'q', payload: 1}), 'invalid-field', 'job')
      assertEnvelopeError(() => createEnvelope({job: 'A', queue: '', payload: 1}), 'invalid-field', 'queue')
      assertEnvelopeError(() => createEnvelope({job: 'A', queue: 'q', payload: 1, maxTries: 0}), 'invalid-field', 'maxTries')
      assertEnvelopeError(() => createEnvelope({job: 'A', queue: 'q', payload: 1, backoff: []}), 'invalid-field', 'backoff')
      assertEnvelopeError(() => createEnvelope({job: 'A', queue: 'q', payload: undefined}), 'invalid-field', 'payload')
      assertEnvelopeError(() => createEnvelope({job: 'A', queue: 'q', payload: 1}, {id: 'nope'}), 'invalid-field', 'id')
    })
  })

  describe('encodeEnvelope', () => {
    it('writes the envelope as UTF-8 JSON', () => {
      const envelope = sampleEnvelope()
      const {value} = encodeEnvelope(envelope)
      assert.ok(Buffer.isBuffer(value))
      assert.deepEqual(JSON.parse(value.toString('utf8')), envelope)
    })

    it('writes the payload last, so a console consumer shows the job first', () => {
      const text = encodeEnvelope(sampleEnvelope()).value.toString()
      assert.match(text, /^\{"kq":1,"id":"[\da-f-]{36}","job":"SendWelcomeEmail","queue":"emails",/)
      assert.match(text, /,"payload":\{"userId":42\}\}$/)
    })

    it('sets the job, job id and (on retries) attempt headers as strings', () => {
      const envelope = {...sampleEnvelope(), attempt: 3}
      assert.deepEqual(encodeEnvelope(envelope).headers, {
        'kq-job': 'SendWelcomeEmail',
        'kq-job-id': envelope.id,
        'kq-attempt': '3',
      })
      assert.deepEqual(HEADERS, {job: 'kq-job', jobId: 'kq-job-id', attempt: 'kq-attempt', keyId: 'kq-key-id'})
    })

    it('leaves the attempt header out of a first attempt', () => {
      const envelope = sampleEnvelope()
      assert.equal(envelope.attempt, 1)
      assert.deepEqual(encodeEnvelope(envelope).headers, {'kq-job': 'SendWelcomeEmail', 'kq-job-id': envelope.id})
    })

    it('keeps non-ASCII text intact', () => {
      const envelope = createEnvelope({job: 'A', queue: 'q', payload: {name: 'Zoë 😀', rtl: 'שלום'}}, {now: clock})
      assert.deepEqual(decodeEnvelope(encodeEnvelope(envelope).value), envelope)
    })

    it('refuses a job over the size limit, saying the size, the limit and what to do', () => {
      const envelope = createEnvelope({job: 'SendWelcomeEmail', queue: 'q', payload: 'x'.repeat(1_300_000)}, {now: clock})
      const error = assertEnvelopeError(() => encodeEnvelope(envelope), 'too-large')
      assert.equal(
        error.message,
        'job SendWelcomeEmail is 1.3 MB, more than the 1 MB limit (KQ_MAX_MESSAGE_BYTES): send a reference to the data (an id, a URL) instead of the data',
      )
    })

    it('gives exact byte counts when rounding would hide the difference', () => {
      const envelope = sampleEnvelope()
      const size = encodeEnvelope(envelope).value.length
      const error = assertEnvelopeError(() => encodeEnvelope(envelope, {maxBytes: size - 1}), 'too-large')
      assert.match(error.message, new RegExp(`^job SendWelcomeEmail is ${size} bytes, more than the ${size - 1}-byte limit`))
    })

    it('accepts a job of exactly the limit, counted in bytes, not characters', () => {
      const envelope = createEnvelope({job: 'A', queue: 'q', payload: 'é'.repeat(100)}, {now: clock})
      const size = encodeEnvelope(envelope).value.length
      assert.equal(size, JSON.stringify(envelope).length + 100)
      assert.equal(encodeEnvelope(envelope, {maxBytes: size}).value.length, size)
      assertEnvelopeError(() => encodeEnvelope(envelope, {maxBytes: size - 1}), 'too-large')
    })

    it('defaults the limit to 1 MB', () => {
      assert.equal(DEFAULT_MAX_MESSAGE_BYTES, 1_000_000)
      const overhead = encodeEnvelope({...sampleEnvelope(), payload: ''}).value.length
      encodeEnvelope({...sampleEnvelope(), payload: 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES - overhead)})
      assertEnvelopeError(
        () => encodeEnvelope({...sampleEnvelope(), payload: 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES - overhead + 1)}),
        'too-large',
      )
    })

    it('refuses a payload that is not JSON data', () => {
      const circular: Record<string, unknown> = {}
      circular.self = circular
      const bad = (payload: unknown) => () => encodeEnvelope({...sampleEnvelope(), payload})
      assertEnvelopeError(bad(undefined), 'invalid-field', 'payload')
      assertEnvelopeError(bad(() => 1), 'invalid-field', 'payload')
      assertEnvelopeError(bad(Symbol('x')), 'invalid-field', 'payload')
      assertEnvelopeError(bad(10n), 'invalid-field', 'payload')
      assertEnvelopeError(bad({amount: 10n}), 'invalid-field', 'payload')
      assertEnvelopeError(bad(circular), 'invalid-field', 'payload')
    })

    it('says so when a payload is nested too deeply to write', () => {
      let deep: unknown[] = []
      for (let depth = 0; depth < 200_000; depth += 1) deep = [deep]
      const error = assertEnvelopeError(() => encodeEnvelope({...sampleEnvelope(), payload: deep}), 'invalid-field', 'payload')
      assert.equal(error.message, 'job envelope field "payload" cannot be written as JSON (nested too deeply): make it plain data')
    })

    it('refuses something that is not an envelope', () => {
      assertEnvelopeError(() => encodeEnvelope(null as unknown as JobEnvelope), 'not-envelope')
      assertEnvelopeError(() => encodeEnvelope([] as unknown as JobEnvelope), 'not-envelope')
    })

    describe('applies the rules decode applies', () => {
      for (const rejected of [...REJECTED, ...BEYOND_THE_SCHEMA]) {
        it(`refuses ${rejected.name}`, () => {
          const envelope = JSON.parse(rejected.json) as JobEnvelope
          assertEnvelopeError(() => encodeEnvelope(envelope), rejected.problem, rejected.field)
        })
      }
    })
  })

  describe('decodeEnvelope', () => {
    it('reads back what encode wrote, from bytes or text', () => {
      const envelope = createEnvelope(
        {job: 'Charge', queue: 'billing', payload: {cents: 1999, tags: ['a', null]}, maxTries: 3, timeout: 2.5, backoff: [1, 10]},
        {now: clock},
      )
      const {value} = encodeEnvelope(envelope)
      assert.deepEqual(decodeEnvelope(value), envelope)
      assert.deepEqual(decodeEnvelope(value.toString()), envelope)
      assert.deepEqual(decodeEnvelope(new Uint8Array(value) as Buffer), envelope)
    })

    it('keeps fields it does not know, through decode and encode again', () => {
      const json = JSON.stringify({...minimalEnvelope(), traceId: 'abc', 'x-tenant': {id: 7}})
      const decoded = decodeEnvelope(json) as JobEnvelope & Record<string, unknown>
      assert.equal(decoded.traceId, 'abc')
      assert.deepEqual(decoded['x-tenant'], {id: 7})
      const again = decodeEnvelope(encodeEnvelope({...decoded, attempt: 2}).value) as JobEnvelope & Record<string, unknown>
      assert.equal(again.traceId, 'abc')
      assert.equal(again.attempt, 2)
    })

    it('accepts a UTF-8 byte order mark', () => {
      const json = JSON.stringify(minimalEnvelope())
      assert.deepEqual(decodeEnvelope(Buffer.from(`\uFEFF${json}`)), minimalEnvelope())
      assert.deepEqual(decodeEnvelope(`\uFEFF${json}`), minimalEnvelope())
    })

    describe('accepts', () => {
      for (const accepted of ACCEPTED) {
        it(accepted.name, () => {
          assert.deepEqual(decodeEnvelope(accepted.json), JSON.parse(accepted.json))
        })
      }
    })

    describe('refuses, naming the problem', () => {
      for (const rejected of [...REJECTED, ...BEYOND_THE_SCHEMA]) {
        it(rejected.name, () => {
          assertEnvelopeError(() => decodeEnvelope(rejected.json), rejected.problem, rejected.field)
          assertEnvelopeError(() => decodeEnvelope(Buffer.from(rejected.json)), rejected.problem, rejected.field)
        })
      }
    })

    describe('an empty message', () => {
      const empties: Array<[string, unknown]> = [
        ['null (a tombstone)', null],
        ['undefined', undefined],
        ['an empty buffer', Buffer.alloc(0)],
        ['an empty string', ''],
        ['only whitespace', ' \n\t\r '],
        ['only whitespace, as bytes', Buffer.from('  \n')],
        ['only a byte order mark', Buffer.from([0xef, 0xbb, 0xbf])],
      ]
      for (const [name, value] of empties) {
        it(`is 'empty' for ${name}`, () => {
          assertEnvelopeError(() => decodeEnvelope(value as Buffer), 'empty')
        })
      }
    })

    describe('bytes that are not UTF-8 JSON', () => {
      const notJson: Array<[string, Buffer | string]> = [
        ['a lone 0xff byte', Buffer.from([0xff])],
        ['an invalid byte inside a string', Buffer.concat([Buffer.from('{"kq":1,"job":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
        ['an overlong encoding of "/"', Buffer.from([0x7b, 0xc0, 0xaf, 0x7d])],
        ['an encoded UTF-16 surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])],
        ['a code point above U+10FFFF', Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22])],
        ['a multi-byte character cut short at the end', Buffer.from([0x22, 0x61, 0xe2, 0x82])],
        ['UTF-16 text', Buffer.from(JSON.stringify(minimalEnvelope()), 'utf16le')],
        ['plain text', 'hello world'],
        ['text over two lines', 'hello\nworld'],
        ['truncated JSON', '{"kq":1,"id":"0199'],
        ['a trailing comma', '{"kq":1,}'],
        ['single quotes', "{'kq':1}"],
        ['two JSON values', '{"kq":1} {"kq":1}'],
        ['NaN', '{"kq":1,"attempt":NaN}'],
        ['a raw control character in a string', '{"kq":1,"job":"a\u0001b"}'],
        ['XML', '<job name="SendWelcomeEmail"/>'],
      ]
      for (const [name, value] of notJson) {
        it(`is 'not-json' for ${name}`, () => {
          assertEnvelopeError(() => decodeEnvelope(value as Buffer), 'not-json')
        })
      }

      it('says at which byte the UTF-8 breaks', () => {
        const value = Buffer.concat([Buffer.from('{"kq":1,"job":"'), Buffer.from([0xc3, 0x28])])
        const error = assertEnvelopeError(() => decodeEnvelope(value), 'not-json')
        assert.equal(error.message, 'job message is not UTF-8 text (invalid bytes at offset 15): a kq job is a JSON envelope in UTF-8')
      })

      it('takes the replacement character itself as the valid UTF-8 it is', () => {
        const envelope = {...sampleEnvelope(), payload: {text: 'a \uFFFD b'}}
        assert.deepEqual(decodeEnvelope(encodeEnvelope(envelope).value).payload, {text: 'a \uFFFD b'})
      })

      it('says where the JSON breaks, without quoting the message', () => {
        const error = assertEnvelopeError(() => decodeEnvelope('{"kq":1,"secret":"hunter2",}'), 'not-json')
        assert.match(error.message, /^job message is not valid JSON \(.+ at character 27\)$/)
        assert.doesNotMatch(error.message, /hunter2/)
        const token = assertEnvelopeError(() => decodeEnvelope('password\nsecret'), 'not-json')
        assert.equal(token.message, "job message is not valid JSON (unexpected character 'p')")
      })

      it('says when the JSON is cut short', () => {
        const error = assertEnvelopeError(() => decodeEnvelope('{"kq":1,"id":"'), 'not-json')
        assert.match(error.message, /^job message is not valid JSON \(.+\)$/)
      })

      it('refuses every truncation of a valid message', () => {
        const value = encodeEnvelope({...sampleEnvelope(), backoff: [1, 2]}).value
        for (let length = 1; length < value.length; length += 1) {
          assertEnvelopeError(() => decodeEnvelope(value.subarray(0, length)), 'not-json')
        }
      })

      it('throws nothing but EnvelopeError for random bytes', () => {
        const random = seededRandom(2026)
        for (let round = 0; round < 2000; round += 1) {
          const bytes = Buffer.from(Array.from({length: Math.floor(random() * 64)}, () => Math.floor(random() * 256)))
          assert.throws(() => decodeEnvelope(bytes), EnvelopeError, `bytes ${bytes.toString('hex')}`)
        }
      })

      it('throws nothing but EnvelopeError for a valid message with bytes changed', () => {
        const original = encodeEnvelope({...sampleEnvelope(), maxTries: 3, backoff: [1]}).value
        const random = seededRandom(7)
        for (let round = 0; round < 3000; round += 1) {
          const bytes = Buffer.from(original)
          for (let change = 0; change < 1 + Math.floor(random() * 3); change += 1) {
            bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
          }

          try {
            decodeEnvelope(bytes)
          } catch (error) {
            assert.ok(error instanceof EnvelopeError, `bytes ${bytes.toString('hex')}: ${String(error)}`)
          }
        }
      })
    })

    describe('messages of another version', () => {
      it('names the version found and the one it reads', () => {
        const error = assertEnvelopeError(() => decodeEnvelope(JSON.stringify({...minimalEnvelope(), kq: 2})), 'unsupported-version')
        assert.equal(error.message, 'job message is kq envelope version 2, but this kq reads version 1 only: upgrade kq where this queue is worked')
      })

      it('shows a version that is not a number as it was written', () => {
        const error = assertEnvelopeError(() => decodeEnvelope('{"kq":"1"}'), 'unsupported-version')
        assert.equal(error.message, 'job message has "kq": "1", an unknown envelope version: this kq reads version 1 only ("kq": 1, a number)')
      })
    })

    describe('bad fields', () => {
      it('names the field, what it must be and what it was', () => {
        const error = assertEnvelopeError(
          () => decodeEnvelope(JSON.stringify({...minimalEnvelope(), attempt: '1'})),
          'invalid-field',
          'attempt',
        )
        assert.equal(error.message, 'job message field "attempt" must be a positive integer (1 on dispatch), got "1"')
      })

      it('says which required field is missing', () => {
        const {id: _id, ...rest} = minimalEnvelope()
        const error = assertEnvelopeError(() => decodeEnvelope(JSON.stringify(rest)), 'invalid-field', 'id')
        assert.match(error.message, /^job message lacks the field "id": it must be a UUIDv7/)
      })

      it('shortens a long bad value and keeps it on one line', () => {
        const job = `bad\nname ${'x'.repeat(500)}`
        const error = assertEnvelopeError(() => decodeEnvelope(JSON.stringify({...minimalEnvelope(), job})), 'invalid-field', 'job')
        assert.ok(error.message.length < 250, error.message)
        assert.match(error.message, /got "bad\\nname x+\.\.\."$/)
      })
    })

    describe('size', () => {
      it('checks the size before parsing', () => {
        assertEnvelopeError(() => decodeEnvelope('x'.repeat(101), {maxBytes: 100}), 'too-large')
        assertEnvelopeError(() => decodeEnvelope(Buffer.alloc(101, 0xff), {maxBytes: 100}), 'too-large')
        assertEnvelopeError(() => decodeEnvelope('x'.repeat(100), {maxBytes: 100}), 'not-json')
      })

      it('counts bytes, not characters', () => {
        assertEnvelopeError(() => decodeEnvelope('é'.repeat(60), {maxBytes: 100}), 'too-large')
      })

      it('refuses a 2 MB message by default, and reads it under a higher limit', () => {
        const envelope = createEnvelope({job: 'Import', queue: 'q', payload: {rows: 'r'.repeat(2_000_000)}}, {now: clock})
        const {value} = encodeEnvelope(envelope, {maxBytes: 3_000_000})
        const error = assertEnvelopeError(() => decodeEnvelope(value), 'too-large')
        assert.equal(
          error.message,
          'job message is 2 MB, more than the 1 MB limit (KQ_MAX_MESSAGE_BYTES): raise KQ_MAX_MESSAGE_BYTES for the workers, or have producers send a reference to the data instead',
        )
        assert.deepEqual(decodeEnvelope(value, {maxBytes: 3_000_000}), envelope)
      })
    })

    describe('__proto__ keys', () => {
      const polluting = JSON.stringify(minimalEnvelope()).replace(
        '"payload":{',
        '"__proto__":{"polluted":true,"kq":2},"payload":{"__proto__":{"polluted":true},"nested":[{"\\u005f_proto__":{"polluted":true}}],',
      )

      it('drops them wherever they are, and the message still decodes', () => {
        const decoded = decodeEnvelope(polluting) as JobEnvelope<Record<string, unknown>>
        assert.equal(Object.getPrototypeOf(decoded), Object.prototype)
        assert.ok(!Object.hasOwn(decoded, '__proto__'))
        assert.ok(!Object.hasOwn(decoded.payload, '__proto__'))
        assert.deepEqual(decoded.payload, {nested: [{}], userId: 42})
        assert.equal(decoded.kq, 1)
      })

      it('leaves nothing for a careless copy to pick up', () => {
        const decoded = decodeEnvelope(polluting) as JobEnvelope<Record<string, unknown>>
        const copy = Object.assign({}, decoded, decoded.payload)
        assert.equal(Object.getPrototypeOf(copy), Object.prototype)
        assert.equal((copy as Record<string, unknown>).polluted, undefined)
        assert.equal(({} as Record<string, unknown>).polluted, undefined)
      })

      it('still fails cleanly on a message nested too deeply to clean', () => {
        const depth = 200_000
        const json = polluting.replace('"nested":', `"deep":${'['.repeat(depth)}${']'.repeat(depth)},"nested":`)
        const error = assertEnvelopeError(() => decodeEnvelope(json), 'not-json')
        assert.equal(error.message, 'job message is not valid JSON (nested too deeply)')
      })

      it('does not let a __proto__ key stand in for the kq marker', () => {
        assertEnvelopeError(() => decodeEnvelope('{"__proto__":{"kq":1}}'), 'not-envelope')
      })
    })

    it('refuses a value that is neither bytes nor text', () => {
      assertEnvelopeError(() => decodeEnvelope(42 as unknown as Buffer), 'not-json')
      assertEnvelopeError(() => decodeEnvelope({kq: 1} as unknown as Buffer), 'not-json')
    })
  })
})
