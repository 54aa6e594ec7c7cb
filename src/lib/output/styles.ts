import {Chalk, type ChalkInstance} from 'chalk'

/**
 * Colours only for a terminal that wants them: none when NO_COLOR is set (no-color.org) or the
 * stream is not a TTY, so logs and pipes get plain text.
 */
export function stylesFor(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  const plain = Boolean(process.env.NO_COLOR) || !stream.isTTY
  return new Chalk({level: plain ? 0 : Math.max(1, new Chalk().level) as 1 | 2 | 3})
}
