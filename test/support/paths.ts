import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The repository root: tests run compiled from dist/test, three levels below it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** Jar cache shared with `kq kafka:up` in the repository, so a version downloads once. */
export const JAR_CACHE = path.join(REPO_ROOT, '.kq', 'cache')

/** Folder for clusters the tests start. Git-ignored with the rest of .kq. */
export const TEST_KAFKA_ROOT = path.join(REPO_ROOT, '.kq', 'test')

export const KQ_BIN = path.join(REPO_ROOT, 'bin', 'run.js')
