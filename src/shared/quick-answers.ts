import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import os from 'node:os'

/**
 * `kq --version` and `kq --help` answered without loading oclif: loading it (some 160 files)
 * takes three times as long as starting Node, and scripts and shells call these two often.
 * The version line is oclif's user agent, built the same way; the root help is the text
 * oclif itself rendered at build time (`npm run build`), replayed only while it still matches
 * the command manifest and the width oclif would wrap to. Anything else goes to oclif.
 */

/** Where the build leaves the root help, beside the compiled code. */
export const ROOT_HELP_FILE = new URL('../root-help.json', import.meta.url)

/** The width the root help is rendered at: oclif's own when stdout is not a terminal. */
export const ROOT_HELP_WIDTH = 80

export interface RootHelp {
  /** manifestHash() when it was rendered: a changed command makes it stale. */
  manifest: string
  width: number
  /** The user agent in the rendered text, replaced by this machine's when replayed. */
  userAgent: string
  text: string
}

export interface Invocation {
  args: readonly string[]
  /** The root folder of kq: package.json and oclif.manifest.json. */
  root: URL
  env: NodeJS.ProcessEnv
  stdout: {isTTY?: boolean; columns?: number}
}

/** The text to print for this invocation, or undefined when oclif must answer. */
export function quickAnswer(invocation: Invocation): string | undefined {
  const [flag, ...rest] = invocation.args
  if (rest.length > 0) return undefined
  if (flag === '--version') return `${userAgent(invocation.root)}\n`
  if (flag === '--help') return cachedRootHelp(invocation)
  return undefined
}

/** oclif's `Config.userAgent`: name/version platform-arch node-version. */
export function userAgent(root: URL): string {
  const {oclif, version} = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  return `${oclif.bin}/${version} ${platform()}-${process.arch} node-${process.version}`
}

/** oclif reports Windows Subsystem for Linux as `wsl`, from the kernel release it runs on. */
function platform(): string {
  return process.platform === 'linux' && os.release().toLowerCase().includes('microsoft') ? 'wsl' : process.platform
}

/**
 * The sha-256 of the command manifest that the root help lists, its commands in id order:
 * `oclif manifest` writes them in the order it finds the files, which varies.
 */
export function manifestHash(root: URL): string | undefined {
  try {
    const {commands, version} = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8'))
    const sorted = Object.keys(commands).sort().map((id) => [id, commands[id]])
    return createHash('sha256').update(JSON.stringify([version, sorted])).digest('hex')
  } catch {
    return undefined
  }
}

function cachedRootHelp({root, env, stdout}: Invocation): string | undefined {
  let cached: RootHelp
  try {
    cached = JSON.parse(readFileSync(ROOT_HELP_FILE, 'utf8'))
  } catch {
    return undefined
  }

  if (helpWidth(env, stdout) !== cached.width) return undefined
  if (manifestHash(root) !== cached.manifest) return undefined
  return cached.text.replaceAll(cached.userAgent, userAgent(root))
}

/** The width oclif wraps help to (its `stdtermwidth`). */
function helpWidth(env: NodeJS.ProcessEnv, stdout: Invocation['stdout']): number {
  const columns = Number.parseInt(env.OCLIF_COLUMNS ?? '', 10)
  if (columns) return columns
  if (!stdout.isTTY || !stdout.columns || stdout.columns < 1) return ROOT_HELP_WIDTH
  return Math.max(stdout.columns, 40)
}
