import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

let root: string | undefined

/**
 * A file shipped with kq (`.env.example`, `assets/...`), found from kq's own root: the nearest
 * folder above this code that holds a package.json. Not a fixed `../../..`: the same code runs
 * from the compiled tree (dist/src/lib/...) and from the bundle (dist/bundle/), at other depths.
 */
export function packageFile(...segments: string[]): string {
  root ??= packageRoot(path.dirname(fileURLToPath(import.meta.url)))
  return path.join(root, ...segments)
}

function packageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`kq's package.json is not above ${start}: reinstall kq`)
  }
}
