import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {runCommand} from '@oclif/test'

import {KQ_BIN, REPO_ROOT} from './paths.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the real `kq` binary in a child process, as a user's shell would (through its shebang):
 * the way to check exit codes, what reaches stderr, and what the process loads. With
 * `nodeArgs`, Node is started explicitly with those options instead.
 */
export async function kq(
  args: string[],
  options: {env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[]; timeoutMs?: number; input?: string} = {},
): Promise<CliResult> {
  const [command, commandArgs] = options.nodeArgs
    ? [process.execPath, [...options.nodeArgs, '--', KQ_BIN, ...args]]
    : [KQ_BIN, args]
  return new Promise((resolve) => {
    const child = execFile(
      command,
      commandArgs,
      {
        env: {...process.env, NO_COLOR: '1', ...options.env},
        cwd: options.cwd ?? process.cwd(),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({code, stdout, stderr})
      },
    )
    // Stdin is a pipe, never a terminal: what a script or CI gives a command.
    child.stdin?.end(options.input ?? '')
  })
}

/**
 * Starts the real `kq` binary and leaves it running, for tests that signal it: its stdout so
 * far, and its exit code once it exits.
 */
export function startKq(
  args: string[],
  options: {env?: NodeJS.ProcessEnv; cwd?: string} = {},
): {child: ChildProcess; stdout: () => string; exited: Promise<number | null>} {
  const child = spawn(KQ_BIN, args, {cwd: options.cwd, env: {...process.env, NO_COLOR: '1', ...options.env}})
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code))
  })
  return {child, stdout: () => stdout, exited}
}

/** Writes an env file in a fresh temporary folder and returns its path. */
export function envFile(contents: Record<string, string | number>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kq-env-'))
  const file = path.join(dir, '.env')
  writeFileSync(file, Object.entries(contents).map(([key, value]) => `${key}=${value}\n`).join(''))
  return file
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/**
 * Runs a kq command in this process with oclif's test helper: fast, and gives the command's
 * typed result. Returns the exit code the command would have exited with.
 */
export async function runKq<T = unknown>(args: string[]) {
  const output = await runCommand<T>(args, {root: REPO_ROOT})
  const code = output.error ? (output.error.oclif?.exit ?? 1) : 0
  return {...output, code}
}
