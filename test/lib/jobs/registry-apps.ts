import {strict as assert} from 'node:assert'

import {JobLoadError, type JobRegistry, UnknownJobError} from '../../../src/lib/jobs/registry.js'
import {type TestApp, makeTestApp} from '../../support/app.js'

/** Throwaway applications for the registry's tests, and the failures of its load() as their types. */

const apps: TestApp[] = []

export function app(jobs: Record<string, string> = {}): TestApp {
  const made = makeTestApp({jobs})
  apps.push(made)
  return made
}

after(() => {
  for (const each of apps) each.remove()
})

/** Runs `work` with the working folder set to `dir`, as a user inside their application. */
export async function inside<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const cwd = process.cwd()
  process.chdir(dir)
  try {
    return await work()
  } finally {
    process.chdir(cwd)
  }
}

export async function loadError(registry: JobRegistry, name: string): Promise<JobLoadError> {
  const error = await registry.load(name).then(
    () => assert.fail(`${name} loaded`),
    (error: unknown) => error,
  )
  assert.ok(error instanceof JobLoadError, `not a JobLoadError: ${String(error)}`)
  return error
}

export async function unknownJob(registry: JobRegistry, name: string): Promise<UnknownJobError> {
  const error = await registry.load(name).then(
    () => assert.fail(`${name} loaded`),
    (error: unknown) => error,
  )
  assert.ok(error instanceof UnknownJobError, `not an UnknownJobError: ${String(error)}`)
  return error
}
