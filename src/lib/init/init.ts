import {constants} from 'node:fs'
import {access, chmod, copyFile, mkdir, stat} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'

import {ExitCode, KqError, errorMessage} from '../errors.js'
import {packageFile} from '../package-files.js'

/** The example configuration shipped with kq, copied into an application as its first `.env`. */
export const ENV_EXAMPLE = packageFile('.env.example')

export interface InitResult {
  /** The application's folder, absolute. */
  folder: string
  env: {file: string; created: boolean}
  jobs: {dir: string; created: boolean}
  /** Whether the application can import kq itself: its job files do (`import {Job} from 'kq'`). */
  kqInstalled: boolean
}

/**
 * Prepares an application folder for kq: a `.env` from the example (never over an existing
 * one) and the jobs folder. Everything is checked before anything is written; running it again
 * changes nothing.
 */
export async function initApplication(options: {
  folder: string
  envFile: string
  /** The jobs folder the configuration names, read from this env file (the example until there is a .env). */
  jobsDir: (envFile: string) => string
}): Promise<InitResult> {
  const folder = path.resolve(options.folder)
  const envFile = path.resolve(folder, options.envFile)
  await assertWritable(folder)
  const envExists = await existing(envFile, 'file')
  const jobsDir = path.resolve(folder, options.jobsDir(envExists ? envFile : ENV_EXAMPLE))
  const jobsExist = await existing(jobsDir, 'folder')
  if (!envExists) await copyNew(ENV_EXAMPLE, envFile)
  if (!jobsExist) await makeFolder(jobsDir)
  return {folder, env: {file: envFile, created: !envExists}, jobs: {dir: jobsDir, created: !jobsExist}, kqInstalled: canImportKq(folder)}
}

/** The commands that take a new application from here to its first job run. */
export function nextSteps(result: InitResult): string[] {
  // kq installed in the application is not on the shell's PATH: every command shown, the ones in
  // the comments too, goes through npx.
  const kq = result.kqInstalled ? 'npx kq' : 'kq'
  return [
    `${kq} kafka:up                    # a local Kafka for development (or set KAFKA_BROKERS in .env)`,
    `${kq} topic:create                # the queue topics, with the partitions set in .env`,
    `${kq} make:job SendWelcomeEmail   # your first job; then ${kq} dispatch SendWelcomeEmail '{"data":"hi"}' and ${kq} work`,
  ]
}

async function assertWritable(folder: string): Promise<void> {
  try {
    if (!(await stat(folder)).isDirectory()) throw Object.assign(new Error('not a folder'), {code: 'ENOTDIR'})
    await access(folder, constants.W_OK)
  } catch (error) {
    throw cannotWrite(folder, error)
  }
}

/** True when `target` exists as the kind wanted; false when nothing is there; refused when something else is. */
async function existing(target: string, kind: 'file' | 'folder'): Promise<boolean> {
  const stats = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw cannotWrite(target, error)
  })
  if (stats === undefined) return false
  if (kind === 'file' ? stats.isFile() : stats.isDirectory()) return true
  throw cannotWrite(target, {code: kind === 'file' ? 'EISDIR' : 'EEXIST'})
}

/** Copies to a new file: one that appeared meanwhile is left alone, never overwritten. */
async function copyNew(from: string, to: string): Promise<void> {
  try {
    await copyFile(from, to, constants.COPYFILE_EXCL)
    // For its owner alone: it is where KAFKA_SASL_PASSWORD and KQ_ENCRYPTION_KEY go.
    await chmod(to, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(to, error)
  }
}

async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, {recursive: true})
  } catch (error) {
    throw cannotWrite(dir, error)
  }
}

function canImportKq(folder: string): boolean {
  try {
    createRequire(path.join(folder, 'package.json')).resolve('kq/package.json')
    return true
  } catch {
    return false
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such folder',
  ENOTDIR: 'not a folder',
  EEXIST: 'a file is in the way',
  EISDIR: 'a folder is in the way',
}

function cannotWrite(target: string, error: unknown): KqError {
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const reason = REASONS[code] ?? errorMessage(error)
  return new KqError(
    `cannot write ${target} (${reason}): run kq init in your application's folder, one you can write to`,
    ExitCode.CannotWrite,
    {cause: error},
  )
}
