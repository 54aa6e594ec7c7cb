import {type EnvelopeProblem} from '../../../src/lib/envelope/index.js'

/**
 * Envelopes as other producers might write them, good and bad, shared by the decode, encode
 * and schema tests so that code and schema are judged on the same inputs.
 */

export const VALID_ID = '019ac137-0a23-7e83-847c-280787f65c3b'

/** The smallest valid envelope: every required field, nothing else. */
export function minimalEnvelope(): Record<string, unknown> {
  return {
    kq: 1,
    id: VALID_ID,
    job: 'SendWelcomeEmail',
    queue: 'emails',
    attempt: 1,
    dispatchedAt: '2026-11-26T17:30:01.123Z',
    payload: {userId: 42},
  }
}

export interface JsonCase {
  name: string
  /** The message value, as JSON text. */
  json: string
}

export interface RejectedCase extends JsonCase {
  problem: EnvelopeProblem
  field?: string
}

function withField(field: string, value: unknown): string {
  return JSON.stringify({...minimalEnvelope(), [field]: value})
}

function withoutField(field: string): string {
  const envelope = minimalEnvelope()
  delete envelope[field]
  return JSON.stringify(envelope)
}

/** Replaces a field's value with raw JSON text, for numbers JSON.stringify cannot write. */
function withRawField(field: string, raw: string): string {
  return withField(field, '@RAW@').replace('"@RAW@"', raw)
}

/** An `encrypted` field of the right shape (its data need not decrypt for the format's rules). */
export const SEALED = {key: '0123456789ab', iv: 'AAECAwQFBgcICQoL', data: 'eyJ1c2VySWQiOjQyfQ==', tag: 'AAECAwQFBgcICQoLDA0ODw=='}

function encrypted(sealed: Record<string, unknown>): string {
  const {payload: _payload, ...rest} = minimalEnvelope()
  return JSON.stringify({...rest, encrypted: sealed})
}

export const ACCEPTED: JsonCase[] = [
  {name: 'the minimal envelope', json: JSON.stringify(minimalEnvelope())},
  {name: 'an encrypted payload instead of payload', json: encrypted(SEALED)},
  {
    name: 'every optional field',
    json: JSON.stringify({...minimalEnvelope(), maxTries: 5, timeout: 0.5, backoff: [0, 10, 60]}),
  },
  {name: 'a null payload', json: withField('payload', null)},
  {name: 'an array payload', json: withField('payload', [1, 'two', {three: 3}])},
  {name: 'a string payload', json: withField('payload', 'hello')},
  {name: 'a number payload', json: withField('payload', 0)},
  {name: 'a false payload', json: withField('payload', false)},
  {name: 'unknown extra fields', json: JSON.stringify({...minimalEnvelope(), traceId: 'abc', 'x-tenant': {id: 7}})},
  {name: 'fields in another order', json: JSON.stringify({payload: 1, ...minimalEnvelope(), kq: 1})},
  {name: 'attempt written as 3.0', json: withRawField('attempt', '3.0')},
  {name: 'a job name with $ and _', json: withField('job', '$_Job_2')},
  {name: 'a job name of 200 characters', json: withField('job', 'J'.repeat(200))},
  {name: 'a queue with dots, underscores and hyphens', json: withField('queue', 'orders.v2_eu-1')},
  {name: 'a queue name of 243 characters', json: withField('queue', 'q'.repeat(243))},
  {name: 'a later attempt', json: withField('attempt', 7)},
  {name: 'a backoff of zero seconds', json: withField('backoff', [0])},
  {name: 'a leap day', json: withField('dispatchedAt', '2028-02-29T23:59:59.999Z')},
  {
    name: 'a chain and its catch job',
    json: JSON.stringify({
      ...minimalEnvelope(),
      chain: [{job: 'Publish', queue: 'media', payload: null, key: 'film-7', maxTries: 2, timeout: 5, backoff: [1], 'x-note': 'kept'}],
      chainCatch: {job: 'ChainFailed', queue: 'media'},
    }),
  },
  {
    name: 'a chain step with its payload encrypted',
    json: JSON.stringify({...minimalEnvelope(), chain: [{job: 'Charge', queue: 'billing', encrypted: SEALED}]}),
  },
  {name: 'a job of a batch', json: withField('batch', {id: '0192f5a0-7c1e-7abc-9def-0123456789ab', partition: 0, offset: 41, 'x-note': 'kept'})},
]

export const REJECTED: RejectedCase[] = [
  // Not an envelope at all.
  {name: 'a JSON array', json: '[1,2,3]', problem: 'not-envelope'},
  {name: 'an empty JSON array', json: '[]', problem: 'not-envelope'},
  {name: 'a JSON string', json: '"SendWelcomeEmail"', problem: 'not-envelope'},
  {name: 'a JSON number', json: '42', problem: 'not-envelope'},
  {name: 'JSON null', json: 'null', problem: 'not-envelope'},
  {name: 'JSON true', json: 'true', problem: 'not-envelope'},
  {name: 'an empty object', json: '{}', problem: 'not-envelope'},
  {name: 'an object without kq', json: withoutField('kq'), problem: 'not-envelope'},
  {
    name: 'a marker spelled KQ',
    json: JSON.stringify({...minimalEnvelope(), kq: undefined, KQ: 1}),
    problem: 'not-envelope',
  },
  {name: 'a marker hidden behind __proto__', json: '{"__proto__":{"kq":1}}', problem: 'not-envelope'},
  // Another version.
  {name: 'kq: 2', json: withField('kq', 2), problem: 'unsupported-version'},
  {name: 'kq: "1"', json: withField('kq', '1'), problem: 'unsupported-version'},
  {name: 'kq: 0', json: withField('kq', 0), problem: 'unsupported-version'},
  {name: 'kq: 1.5', json: withField('kq', 1.5), problem: 'unsupported-version'},
  {name: 'kq: null', json: withField('kq', null), problem: 'unsupported-version'},
  {name: 'kq: true', json: withField('kq', true), problem: 'unsupported-version'},
  {name: 'kq: [1]', json: withField('kq', [1]), problem: 'unsupported-version'},
  // Bad or missing fields.
  ...invalid('id', [
    ['missing', undefined],
    ['empty', ''],
    ['not a UUID', 'job-1'],
    ['upper case', VALID_ID.toUpperCase()],
    ['a UUIDv4', '0b7c6f1e-3d2a-4c5b-9e8f-7a6b5c4d3e2f'],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
    ['a UUIDv7 with the wrong variant', '019ac137-0a23-7e83-c47c-280787f65c3b'],
    ['without hyphens', VALID_ID.replaceAll('-', '')],
    ['in braces', `{${VALID_ID}}`],
    ['with a trailing newline', `${VALID_ID}\n`],
    ['a number', 123],
    ['null', null],
  ]),
  ...invalid('job', [
    ['missing', undefined],
    ['empty', ''],
    ['a path', '../x'],
    ['with a slash', 'jobs/SendEmail'],
    ['with a space', 'Send Email'],
    ['a PHP class name', String.raw`App\Jobs\SendEmail`],
    ['starting with a digit', '1Job'],
    ['with a hyphen', 'send-email'],
    ['non-ASCII', 'Envoyé'],
    ['201 characters long', 'J'.repeat(201)],
    ['a number', 42],
    ['null', null],
  ]),
  ...invalid('queue', [
    ['missing', undefined],
    ['empty', ''],
    ['"."', '.'],
    ['".."', '..'],
    ['with a space', 'my queue'],
    ['with a slash', 'a/b'],
    ['244 characters long', 'q'.repeat(244)],
    ['a number', 7],
  ]),
  {name: 'payload missing', json: withoutField('payload'), problem: 'invalid-field', field: 'payload'},
  {name: 'both payload and encrypted', json: withField('encrypted', SEALED), problem: 'invalid-field', field: 'payload'},
  {name: 'encrypted with a key id that is not 12 hex digits', json: encrypted({...SEALED, key: 'k1'}), problem: 'invalid-field', field: 'encrypted'},
  {name: 'encrypted without its tag', json: encrypted({...SEALED, tag: undefined}), problem: 'invalid-field', field: 'encrypted'},
  {name: 'encrypted data that is not base64', json: encrypted({...SEALED, data: 'not base64!'}), problem: 'invalid-field', field: 'encrypted'},
  ...invalid('attempt', [
    ['missing', undefined],
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['"1"', '1'],
    ['null', null],
    ['true', true],
    ['2^53', 2 ** 53],
  ]),
  {name: 'attempt 1e999', json: withRawField('attempt', '1e999'), problem: 'invalid-field', field: 'attempt'},
  ...invalid('dispatchedAt', [
    ['missing', undefined],
    ['empty', ''],
    ['a date only', '2026-11-26'],
    ['without milliseconds', '2026-11-26T17:30:01Z'],
    ['with microseconds', '2026-11-26T17:30:01.123456Z'],
    ['with an offset', '2026-11-26T17:30:01.123+00:00'],
    ['with a space', '2026-11-26 17:30:01.123Z'],
    ['with a lower-case z', '2026-11-26T17:30:01.123z'],
    ['in month 13', '2026-13-01T00:00:00.000Z'],
    ['at hour 24', '2026-11-26T24:00:00.000Z'],
    ['a number of milliseconds', 1_764_178_201_123],
    ['in another format', 'Thu, 26 Nov 2026 17:30:01 GMT'],
  ]),
  ...invalid('maxTries', [
    ['0', 0],
    ['-1', -1],
    ['2.5', 2.5],
    ['"3"', '3'],
    ['null', null],
  ]),
  ...invalid('timeout', [
    ['0', 0],
    ['-5', -5],
    ['"30"', '30'],
    ['null', null],
  ]),
  {name: 'timeout 1e999', json: withRawField('timeout', '1e999'), problem: 'invalid-field', field: 'timeout'},
  ...invalid('backoff', [
    ['[]', []],
    ['[-1]', [-1]],
    ['"1,5"', '1,5'],
    ['a number', 5],
    ['[1, "5"]', [1, '5']],
    ['[null]', [null]],
    ['null', null],
  ]),
  ...invalid('chain', [
    ['[]', []],
    ['an object', {job: 'A', queue: 'q', payload: 1}],
    ['a step without payload', [{job: 'A', queue: 'q'}]],
    ['a step with a bad job name', [{job: '1A', queue: 'q', payload: 1}]],
    ['a step with queue ..', [{job: 'A', queue: '..', payload: 1}]],
    ['a step with maxTries 0', [{job: 'A', queue: 'q', payload: 1, maxTries: 0}]],
    ['a step with a numeric key', [{job: 'A', queue: 'q', payload: 1, key: 7}]],
    ['a step with both payload and encrypted', [{job: 'A', queue: 'q', payload: 1, encrypted: SEALED}]],
    ['a step encrypted without its tag', [{job: 'A', queue: 'q', encrypted: {...SEALED, tag: undefined}}]],
    ['null', null],
  ]),
  ...invalid('chainCatch', [
    ['without a queue', {job: 'A'}],
    ['a string', 'ChainFailed'],
    ['null', null],
  ]),
  ...invalid('batch', [
    ['without an offset', {id: '0192f5a0-7c1e-7abc-9def-0123456789ab', partition: 0}],
    ['with an id that is not a job id', {id: 'batch-1', partition: 0, offset: 0}],
    ['with a negative partition', {id: '0192f5a0-7c1e-7abc-9def-0123456789ab', partition: -1, offset: 0}],
    ['with a fractional offset', {id: '0192f5a0-7c1e-7abc-9def-0123456789ab', partition: 0, offset: 1.5}],
    ['a string', '0192f5a0-7c1e-7abc-9def-0123456789ab'],
    ['null', null],
  ]),
]

/**
 * Rules the JSON Schema cannot state: decode rejects these, the schema accepts them. Kept
 * short and explicit, so that a new gap is a decision, not an accident.
 */
export const BEYOND_THE_SCHEMA: RejectedCase[] = invalid('dispatchedAt', [
  ['on 30 February', '2026-02-30T00:00:00.000Z'],
  ['on 29 February of a common year', '2026-02-29T00:00:00.000Z'],
  ['on 31 April', '2026-04-31T00:00:00.000Z'],
])

function invalid(field: string, values: Array<[string, unknown]>): RejectedCase[] {
  return values.map(([label, value]) => ({
    name: `${field} ${label}`,
    json: value === undefined ? withoutField(field) : withField(field, value),
    problem: 'invalid-field',
    field,
  }))
}
