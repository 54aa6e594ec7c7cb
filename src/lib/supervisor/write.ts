import {constants} from 'node:fs'
import {lstat, writeFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'
import {displayPath} from '../text/paths.js'

/** Refuses at once, before any slower work, a file that writeConfigFile would refuse. */
export async function refuseExisting(file: string, options: {force?: boolean} = {}): Promise<void> {
  const stats = await lstat(file).catch(() => undefined)
  if (stats === undefined) return
  if (stats.isSymbolicLink()) throw isLink(file)
  if (!options.force) throw new UsageError(`${displayPath(file)} already exists: pass --force to overwrite it`)
}

/**
 * Writes a generated file. An existing file is replaced only with `force`, and never through a
 * symbolic link: O_EXCL and O_NOFOLLOW make the check and the write one step.
 */
export async function writeConfigFile(file: string, contents: string, options: {force?: boolean} = {}): Promise<void> {
  const {O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC, O_WRONLY} = constants
  const flag = O_WRONLY | O_CREAT | (options.force ? O_TRUNC : O_EXCL) | (O_NOFOLLOW ?? 0)
  try {
    await writeFile(file, contents, {flag})
  } catch (error) {
    const shown = displayPath(file)
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new UsageError(`${shown} already exists: pass --force to overwrite it`)
    if (code === 'ELOOP') throw isLink(file)
    if (code === 'EISDIR') throw new UsageError(`${shown} is a folder: give --output a file name`)
    if (code === 'ENOENT') throw new UsageError(`cannot write ${shown}: its folder does not exist`)
    if (code === 'ENOTDIR') throw new UsageError(`cannot write ${shown}: a file stands where its path needs a folder`)
    if (code === 'EACCES' || code === 'EPERM') {
      throw new UsageError(`cannot write ${shown}: permission denied (write elsewhere, or run with the rights to)`)
    }

    throw error
  }
}

function isLink(file: string): UsageError {
  return new UsageError(`${displayPath(file)} is a symbolic link: kq will not write through it`)
}
