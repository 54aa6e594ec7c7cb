import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {type TestKafka, startTestKafka} from './kafka.js'
import {stopSharedSecuredKafka} from './secured-kafka.js'
import {stopSharedTrio} from './trio.js'

let kafka: TestKafka | undefined

/**
 * Mocha global fixture: starts the run's one broker and exports its address as KAFKA_BROKERS,
 * which every command and helper then uses. Tests run in an empty folder so that a developer's
 * own .env never changes what they see.
 */
export async function mochaGlobalSetup(): Promise<void> {
  process.chdir(mkdtempSync(path.join(os.tmpdir(), 'kq-test-')))
  kafka = await startTestKafka()
  process.env.KAFKA_BROKERS = kafka.brokers
  process.stderr.write(`  tests use ${kafka.origin} at ${kafka.brokers}\n`)
}

export async function mochaGlobalTeardown(): Promise<void> {
  await Promise.all([kafka?.stop(), stopSharedTrio(), stopSharedSecuredKafka()])
}
