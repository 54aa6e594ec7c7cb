/**
 * Text for error messages about job messages. Values shown there come from the wire, so they
 * are shortened and escaped: a message stays one line, and a large or binary payload never
 * floods a log.
 */

const SHOWN_CHARACTERS = 40

/** Escapes what could break a line or a terminal: control and non-ASCII characters. */
function escapeText(json: string): string {
  return json.replaceAll(/[^\x20-\x7E]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function shorten(text: string): string {
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}...` : text
}

/** A short, one-line rendering of any value: `"1"`, `-1`, `[]`, `a function`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined': {
      return 'undefined'
    }

    case 'string': {
      return escapeText(JSON.stringify(shorten(value)))
    }

    case 'bigint': {
      return `${value}n`
    }

    case 'function':
    case 'symbol': {
      return `a ${typeof value}`
    }

    default: {
      // Numbers and booleans print as they would in JSON; NaN and Infinity only reach here
      // from code, or from a JSON number too large for a double (1e999).
      if (typeof value !== 'object' || value === null) return String(value)
      try {
        return escapeText(shorten(JSON.stringify(value) ?? 'undefined'))
      } catch {
        return Array.isArray(value) ? 'an array' : 'an object'
      }
    }
  }
}

/** A character as it may appear in a message: `'x'`, or escaped when not printable ASCII. */
export function describeCharacter(char: string): string {
  return /^[\x21-\x7E]$/.test(char) ? `'${char}'` : escapeText(JSON.stringify(char))
}

const UNITS = ['bytes', 'kB', 'MB', 'GB'] as const

/**
 * Bytes in decimal units, as Kafka's limits are written (message.max.bytes=1000000 is "1 MB"):
 * `512 bytes`, `1.3 MB`. One decimal at most.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return bytes === 1 ? '1 byte' : `${bytes} bytes`
  let value = bytes
  let unit = 0
  // Move up a unit while the rounded value would reach 1000 (999_999 bytes is "1 MB", not "1000 kB").
  while (unit < UNITS.length - 1 && Math.round(value * 10) / 10 >= 1000) {
    value /= 1000
    unit += 1
  }

  return `${Math.round(value * 10) / 10} ${UNITS[unit]}`
}

/**
 * A size and the limit it passed, for "is <size>, more than the <limit> limit": exact counts
 * when rounding would make them look equal.
 */
export function describeSize(bytes: number, limit: number): {size: string; limit: string} {
  const size = formatBytes(bytes)
  const max = formatBytes(limit)
  if (size === max) return {size: `${bytes} bytes`, limit: `${limit}-byte`}
  return {size, limit: limit < 1000 ? `${limit}-byte` : max}
}
