import {getRandomValues} from 'node:crypto'

/**
 * Job ids are UUIDv7 (RFC 9562, section 5.7): a 48-bit Unix timestamp in milliseconds, then 74
 * random bits. Sorting ids sorts jobs by dispatch time to the millisecond, which keeps logs,
 * dead-letter listings and database indexes in a useful order, and every language has a UUID
 * type to hold one.
 *
 * Ids made in the same millisecond are ordered at random: RFC 9562's optional counter would
 * need state shared across calls, and nothing in kq relies on that finer order.
 */


/** The largest timestamp a UUIDv7 can hold: 2^48 - 1 ms, in the year 10889. */
const MAX_TIMESTAMP = 2 ** 48 - 1

/** Random bytes a UUIDv7 needs: 16 bytes less the 6 of the timestamp. */
const RANDOM_BYTES = 10

const HEX = Array.from({length: 256}, (_, byte) => byte.toString(16).padStart(2, '0'))

/**
 * Random bytes from a pool refilled 4 KiB at a time: one call into the system's generator per
 * ~400 ids instead of one per id, which matters when a bulk dispatch makes 100,000 of them.
 */
const pool = new Uint8Array(4096)
let poolOffset = pool.length

function secureRandom(bytes: number): Uint8Array {
  if (bytes > pool.length) return getRandomValues(new Uint8Array(bytes))
  if (poolOffset + bytes > pool.length) {
    getRandomValues(pool)
    poolOffset = 0
  }

  poolOffset += bytes
  return pool.subarray(poolOffset - bytes, poolOffset)
}

/**
 * A new job id: a UUIDv7 in canonical lower-case form. `now` and `random` exist so that tests
 * can fix the time and the bits; by default they are the clock and a cryptographic source.
 */
export function newJobId(
  now: number = Date.now(),
  random: (bytes: number) => Uint8Array = secureRandom,
): string {
  const ms = Math.floor(now)
  if (!(ms >= 0 && ms <= MAX_TIMESTAMP)) {
    throw new RangeError(`a job id needs a timestamp between 0 and ${MAX_TIMESTAMP} ms, got ${now}`)
  }

  const bits = random(RANDOM_BYTES)
  if (bits.length < RANDOM_BYTES) {
    throw new RangeError(`a job id needs ${RANDOM_BYTES} random bytes, got ${bits.length}`)
  }

  // 48-bit timestamp as 12 hex digits, then the random bits with version 7 in the high nibble
  // of byte 6 and variant 0b10 at the top of byte 8. Built as text directly: a bulk dispatch
  // makes 100,000 ids, and arrays of bytes would be garbage.
  const time = ms.toString(16).padStart(12, '0')
  return (
    `${time.slice(0, 8)}-${time.slice(8)}-` +
    `${HEX[0x70 | (bits[0] & 0x0f)]}${HEX[bits[1]]}-${HEX[0x80 | (bits[2] & 0x3f)]}${HEX[bits[3]]}-` +
    `${HEX[bits[4]]}${HEX[bits[5]]}${HEX[bits[6]]}${HEX[bits[7]]}${HEX[bits[8]]}${HEX[bits[9]]}`
  )
}

/** True for a UUIDv7 in the canonical lower-case form kq writes and accepts. */
export function isJobId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 36) return false
  // By a table of what each position takes rather than by regular expression: every message a
  // worker reads comes here.
  for (let index = 0; index < 36; index++) {
    const code = value.charCodeAt(index)
    if (code > 0x7f || (ID_CHARACTERS[code] & ID_POSITIONS[index]) === 0) return false
  }

  return true
}

/** Bit flags for what may stand at a place in a job id. */
const HEX_DIGIT = 1
const DASH = 2
const SEVEN = 4
const VARIANT = 8

/** What each ASCII character is: a lower-case hex digit, '-', '7', one of 8 9 a b. */
const ID_CHARACTERS = new Uint8Array(128)
for (const character of '0123456789abcdef') ID_CHARACTERS[character.charCodeAt(0)] |= HEX_DIGIT
for (const character of '89ab') ID_CHARACTERS[character.charCodeAt(0)] |= VARIANT
ID_CHARACTERS['7'.charCodeAt(0)] |= SEVEN
ID_CHARACTERS['-'.charCodeAt(0)] |= DASH

/** What each place of xxxxxxxx-xxxx-7xxx-Vxxx-xxxxxxxxxxxx takes (V: 8, 9, a or b). */
const ID_POSITIONS = Uint8Array.from({length: 36}, (_, index) => {
  if (index === 8 || index === 13 || index === 18 || index === 23) return DASH
  if (index === 14) return SEVEN
  if (index === 19) return VARIANT
  return HEX_DIGIT
})

/** When a job id was made, in Unix milliseconds: the 48 bits at its start. */
export function jobIdTime(id: string): number {
  if (!isJobId(id)) throw new RangeError(`not a kq job id (a lower-case UUIDv7): ${JSON.stringify(id)}`)
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
