import {existsSync} from 'node:fs'
import path from 'node:path'

export interface KqCommandChoice {
  /** The words that start kq. */
  command: string[]
  /** Set when kq could only be started through npx, with why. */
  warning?: string
}

export interface KqCommandContext {
  /** The application's folder, absolute. */
  directory: string
  /** The root of the kq package running now. */
  runningRoot: string
  /** The Node running now. @defaultValue process.execPath */
  execPath?: string
}

/**
 * How the workers start kq when --command says nothing: this Node, by absolute path, running the
 * application's own kq (else the kq running now). A process manager's PATH seldom holds the
 * Node of nvm or asdf, so `#!/usr/bin/env node` would not find it. The `--` keeps Node 20 from
 * reading an --env-file among kq's arguments as its own option. When neither kq can be used, `npx kq`.
 */
export function defaultKqCommand(context: KqCommandContext): KqCommandChoice {
  const node = context.execPath ?? process.execPath
  const appBin = path.join(context.directory, 'node_modules', 'kq', 'bin', 'run.js')
  if (existsSync(appBin)) return {command: [node, '--', appBin]}
  // The running kq is of use only to a folder of this machine, and only when it stays where it
  // is: npx's cache is emptied at will.
  const runningBin = path.join(context.runningRoot, 'bin', 'run.js')
  const temporary = context.runningRoot.split(path.sep).includes('_npx')
  if (existsSync(context.directory) && existsSync(runningBin) && !temporary) return {command: [node, '--', runningBin]}
  return {
    command: ['npx', 'kq'],
    warning: `kq is not installed in ${context.directory} here: the workers will run \`npx kq\`; pass --command to choose`,
  }
}
