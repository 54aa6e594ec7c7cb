import {stylesFor} from '../lib/output/styles.js'

/** `Warning: <message>` on stderr, the one way a command warns: something went on, but not as asked. */
export function warning(message: string): void {
  process.stderr.write(`${stylesFor(process.stderr).yellow('Warning:')} ${message}\n`)
}
