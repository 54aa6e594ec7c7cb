/**
 * kq/testing: test jobs and the code that dispatches them without Kafka, in any test framework
 * (failed assertions throw node:assert's AssertionError). Kept apart from the main entry so
 * that neither an application nor the CLI loads it unless a test asks.
 *
 *     const queue = fakeQueue()
 *     await signUp('ada@example.com')
 *     queue.assertDispatched(SendWelcomeEmail, (job) => job.payload.email === 'ada@example.com')
 *     queue.restore()
 */
export {type DispatchedJob, FakeQueue, fakeQueue} from './lib/testing/fake-queue.js'
export {type JobRun, type RunJobOptions, runFailed, runJob} from './lib/testing/run-job.js'
export {type JobClassOf, type PayloadOf} from './lib/testing/types.js'
