import {UsageError} from '../errors.js'

/**
 * Writing values that Supervisor and systemd read back exactly, spaces and all. Each has its own
 * rules:
 *
 * - Supervisor reads its file with Python's configparser, which ends a value at `;` or `#` after
 *   whitespace (an inline comment) and strips it; then it expands `%(name)s` in every value, so a
 *   `%` is written `%%`; then it splits `command` with Python's shlex.split, like a POSIX shell.
 * - systemd splits `ExecStart` itself: double quotes group a word and allow C escapes (`\\`,
 *   `\"`); `%` starts a specifier (`%%` for one) and, in an argument, `$` a variable (`$$`).
 *
 * A value that cannot be written (a newline, or for Supervisor `;` or `#` after a space outside
 * the command) is refused with one line naming the flag.
 */

// Words that need no quotes in either format.
const PLAIN_WORD = /^[\w@%+=:,./-]+$/

/** `command=` of a Supervisor program: the words quoted for shlex.split. */
export function supervisorCommand(words: string[], label: string): string {
  const line = words.map((word) => {
    refuseNewline(word, label)
    // A ';' or '#' after whitespace would start a comment even inside quotes: it steps out of
    // them and is escaped on its own ('a '\;'b' is still the one word "a ;b" to shlex).
    return shellWord(word).replace(/(\s)([;#])/g, `$1'\\$2'`)
  })
  return escapePercent(line.join(' '))
}

/** A word as a POSIX shell reads it, for the commands shown in comments. */
export function shellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`
}

/**
 * Any other Supervisor value (a path, a user name). `expansions` is how many times Supervisor
 * expands it: twice for a log file name.
 */
export function supervisorValue(value: string, label: string, expansions = 1): string {
  refuseNewline(value, label)
  if (value.trim() !== value) throw unwritable(value, label, 'it starts or ends with a space')
  if (/\s[;#]/.test(value)) throw unwritable(value, label, "Supervisor reads ';' or '#' after a space as a comment")
  let escaped = value
  for (let round = 0; round < expansions; round++) escaped = escapePercent(escaped)
  return escaped
}

/**
 * `ExecStart=` of a systemd unit: the words quoted and escaped for systemd's own splitting. The
 * program itself is never searched for variables, so only its arguments double their `$`.
 */
export function systemdCommand(words: string[], label: string): string {
  return words
    .map((word, index) => {
      refuseNewline(word, label)
      const escaped = word.replace(index === 0 ? /%/g : /[%$]/g, (sign) => sign + sign)
      return PLAIN_WORD.test(word) ? escaped : `"${escaped.replace(/[\\"]/g, (sign) => `\\${sign}`)}"`
    })
    .join(' ')
}

/** Any other systemd value (a path, a user name): specifiers expanded, nothing split. */
export function systemdValue(value: string, label: string): string {
  refuseNewline(value, label)
  if (value.trim() !== value) throw unwritable(value, label, 'it starts or ends with a space')
  // A backslash at the end of a line continues it on the next one.
  if (value.endsWith('\\')) throw unwritable(value, label, 'it ends with a backslash')
  return value.replaceAll('%', '%%')
}

/**
 * `--command` as the user typed it, split into words as a POSIX shell would (quotes and
 * backslashes), so that each format can quote them its own way.
 */
export function splitCommandLine(text: string, label = '--command'): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: '"' | "'" | undefined
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (quote === "'") {
      if (char === "'") quote = undefined
      else word += char
    } else if (quote === '"') {
      if (char === '"') quote = undefined
      else if (char === '\\' && /["\\$`]/.test(text[index + 1] ?? '')) word += text[++index]
      else word += char
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (char === "'" || char === '"') {
      quote = char
      word ??= ''
    } else if (char === '\\') {
      if (index + 1 >= text.length) throw new UsageError(`${label} ends with a lone backslash: ${JSON.stringify(text)}`)
      word = (word ?? '') + text[++index]
    } else {
      word = (word ?? '') + char
    }
  }

  if (quote !== undefined) throw new UsageError(`${label} has an unclosed ${quote} quote: ${JSON.stringify(text)}`)
  if (word !== undefined) words.push(word)
  if (words.length === 0) throw new UsageError(`${label} must name the program that runs kq, e.g. "npx kq"`)
  return words
}

function escapePercent(text: string): string {
  return text.replaceAll('%', '%%')
}

function refuseNewline(value: string, label: string): void {
  if (/[\n\r\0]/.test(value)) throw unwritable(value, label, 'it holds a line break')
}

function unwritable(value: string, label: string, why: string): UsageError {
  return new UsageError(`${label} ${JSON.stringify(value)} cannot be written to the file: ${why}`)
}

/** A comment of whole words, wrapped under `width` columns, each line starting with `marker`. */
export function comment(marker: '#' | ';', text: string, width = 96): string[] {
  const lines: string[] = []
  let line = marker
  for (const word of text.split(' ')) {
    if (line !== marker && line.length + 1 + word.length > width) {
      lines.push(line)
      line = marker
    }

    line += ` ${word}`
  }

  lines.push(line)
  return lines
}
