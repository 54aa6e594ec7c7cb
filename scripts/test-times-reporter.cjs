// Where a test run's time goes: mocha's spec output, plus each test file's wall time (its hooks
// and broker start-ups included, which the per-test durations leave out), each hook and test over
// a second, written to test-times.json in the folder mocha was started from.
//
//   npx mocha --reporter ./scripts/test-times-reporter.cjs 'dist/test/**/*.test.js'
//
// CommonJS because mocha loads reporters with require().
const {writeFileSync} = require('node:fs')
const path = require('node:path')

const Mocha = require('mocha')

const {EVENT_HOOK_BEGIN, EVENT_HOOK_END, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_END} = Mocha.Runner.constants
const SLOW_MS = 1000

class TestTimes extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options)
    // Now, before the global setup moves the run into a folder of its own.
    const root = process.cwd()
    const out = path.join(root, 'test-times.json')
    const files = {}
    const hooks = []
    const tests = []
    const began = new Map()
    const fileOf = (runnable) => path.relative(root, runnable.file ?? '')
    const started = Date.now()

    // A file's top-level describes, from begin to end: its own hooks run in between.
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.parent?.root) began.set(suite, Date.now())
    })
    runner.on(EVENT_SUITE_END, (suite) => {
      if (!began.has(suite)) return
      files[fileOf(suite)] = (files[fileOf(suite)] ?? 0) + Date.now() - began.get(suite)
    })
    runner.on(EVENT_HOOK_BEGIN, (hook) => began.set(hook, Date.now()))
    runner.on(EVENT_HOOK_END, (hook) => {
      const ms = Date.now() - began.get(hook)
      if (ms >= SLOW_MS) hooks.push({file: fileOf(hook), hook: hook.fullTitle(), ms})
    })
    runner.on(EVENT_TEST_END, (test) => {
      if (test.duration >= SLOW_MS) tests.push({file: fileOf(test), test: test.fullTitle(), ms: test.duration})
    })
    runner.once(EVENT_RUN_END, () => {
      const byTime = (a, b) => b.ms - a.ms
      const report = {
        totalMs: Date.now() - started,
        files: Object.entries(files).map(([file, ms]) => ({file, ms})).sort(byTime),
        hooks: hooks.sort(byTime),
        tests: tests.sort(byTime),
      }
      writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`)
      process.stdout.write(`Test times by file: ${out}\n`)
    })
  }
}

module.exports = TestTimes
