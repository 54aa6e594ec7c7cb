import path from 'node:path'

/** A path as the user would type it: relative to the working folder when inside it, else absolute. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const shown = path.relative(cwd, file)
  if (shown === '') return '.'
  const outside = shown === '..' || shown.startsWith(`..${path.sep}`) || path.isAbsolute(shown)
  return outside ? file : shown
}
