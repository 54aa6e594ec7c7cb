/**
 * JSON parsing with an error a person can act on: where the text broke (line and column) and
 * what was expected there. V8's own messages vary by version and often give no position.
 */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError'

  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`)
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // Only the failure path pays for the second, slower scan that locates the error.
    throw locateJsonError(text)
  }
}

/** Scans `text` as JSON and describes its first error; used once JSON.parse has failed. */
export function locateJsonError(text: string): JsonSyntaxError {
  let index = 0

  const fail = (expected: string): never => {
    const before = text.slice(0, index)
    const line = before.split('\n').length
    const column = index - before.lastIndexOf('\n')
    const found = index >= text.length ? 'the end of the input' : JSON.stringify(text[index])
    throw new JsonSyntaxError(line, column, `expected ${expected}, found ${found}`)
  }

  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index++
  }

  const expect = (char: string, expected: string) => {
    skipSpace()
    if (text[index] !== char) fail(expected)
    index++
  }

  const string = () => {
    index++
    while (index < text.length && text[index] !== '"') {
      if (text[index] < ' ') fail('a closing quote before the line ends')
      if (text[index] === '\\') {
        index++
        if (text[index] === 'u') {
          if (!/^[\da-f]{4}$/i.test(text.slice(index + 1, index + 5))) fail('four hex digits after \\u')
          index += 4
        } else if (!'"\\/bfnrt'.includes(text[index] ?? '')) {
          fail('an escape such as \\n or \\"')
        }
      }

      index++
    }

    if (index >= text.length) fail('a closing quote')
    index++
  }

  const value = (): void => {
    skipSpace()
    const char = text[index]
    if (char === '{') {
      index++
      skipSpace()
      if (text[index] === '}') {
        index++
        return
      }

      for (;;) {
        skipSpace()
        if (text[index] !== '"') fail('a property name in double quotes')
        string()
        expect(':', "':' after the property name")
        value()
        skipSpace()
        if (text[index] === '}') {
          index++
          return
        }

        if (text[index] !== ',') fail("',' or '}'")
        index++
        skipSpace()
        if (text[index] === '}') fail('another property (JSON allows no trailing comma)')
      }
    }

    if (char === '[') {
      index++
      skipSpace()
      if (text[index] === ']') {
        index++
        return
      }

      for (;;) {
        value()
        skipSpace()
        if (text[index] === ']') {
          index++
          return
        }

        if (text[index] !== ',') fail("',' or ']'")
        index++
        skipSpace()
        if (text[index] === ']') fail('another value (JSON allows no trailing comma)')
      }
    }

    if (char === '"') return string()
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index))
    if (number) {
      index += number[0].length
      return
    }

    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, index)) {
        index += literal.length
        return
      }
    }

    fail('a value (object, array, string, number, true, false or null)')
  }

  try {
    value()
    skipSpace()
    if (index < text.length) fail('the end of the input after the JSON value')
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error
    // Thousands of nested brackets exhaust the stack of this recursive scan.
    if (error instanceof RangeError) return new JsonSyntaxError(1, 1, 'nested too deeply')
    throw error
  }

  // The scan found nothing wrong but JSON.parse did: report it without a position.
  return new JsonSyntaxError(1, 1, 'not valid JSON')
}
