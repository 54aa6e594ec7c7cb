import {strict as assert} from 'node:assert'

import {ShellExitCode} from '../../src/shared/exit-codes.js'
import {onStopSignals} from '../../src/shared/signals.js'

/** The listener onStopSignals added for `signal`, called directly so the test runner's own never fire. */
function added(signal: 'SIGINT' | 'SIGTERM', before: Function[]): (signal: string) => void {
  const listener = process.listeners(signal).find((candidate) => !before.includes(candidate))
  assert.ok(listener, `no ${signal} listener was added`)
  return listener as (signal: string) => void
}

describe('onStopSignals', () => {
  const realExit = process.exit
  let exits: Array<number | string | null | undefined>

  beforeEach(() => {
    exits = []
    process.exit = ((code?: number) => {
      exits.push(code)
    }) as typeof process.exit
  })

  afterEach(() => {
    process.exit = realExit
  })

  for (const [signal, code] of [
    ['SIGINT', ShellExitCode.Interrupted],
    ['SIGTERM', ShellExitCode.Terminated],
  ] as const) {
    it(`stops gracefully on a first ${signal}, and exits ${code} at once on a second`, () => {
      const before = process.listeners(signal)
      const calls: string[] = []
      const release = onStopSignals({stop: (got) => calls.push(`stop ${got}`), beforeExit: (got) => calls.push(`exit ${got}`)})
      try {
        const listener = added(signal, before)
        listener(signal)
        assert.deepEqual([calls, exits], [[`stop ${signal}`], []])
        listener(signal)
        assert.deepEqual([calls, exits], [[`stop ${signal}`, `exit ${signal}`], [code]])
      } finally {
        release()
      }
    })
  }

  it('stops listening once released', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    onStopSignals({stop() {}})()
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before)
  })
})
