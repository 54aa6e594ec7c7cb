import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {loadConfig} from '../../../src/lib/config/index.js'
import {
  PROCESS_MANAGER_SETTING_NAMES,
  WORKER_SETTING_NAMES,
  type WorkerSettingName,
  defaultText,
  flagName,
  settingDefaults,
  settingOf,
} from '../../../src/lib/worker/settings.js'
import {REPO_ROOT} from '../../support/paths.js'

function config(env: Record<string, string> = {}) {
  return loadConfig({env, cwd: '/nonexistent-dir'})
}

/** The row of README's `kq work` table that documents a setting. */
function readmeRow(name: WorkerSettingName): string {
  const setting = settingOf(name)
  const flags = [`\`--${flagName(name)}\``, ...(setting.char === undefined ? [] : [`\`-${setting.char}\``])].join(', ')
  const shown = defaultText(name)
  const byDefault =
    setting.env === undefined ? (shown ?? (setting.kind === 'boolean' ? 'off' : 'none')) : `\`${setting.env}\``
  return `| ${flags} | ${byDefault} | ${setting.description} |`
}

/** The lines of README's section for `heading`, up to the next heading of the same level. */
function readmeSection(heading: string): string[] {
  const lines = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n')
  const start = lines.indexOf(heading)
  assert.notEqual(start, -1, `README has no heading ${heading}`)
  const end = lines.findIndex((line, index) => index > start && line.startsWith('### '))
  return lines.slice(start, end === -1 ? undefined : end)
}

describe('worker settings', () => {
  it('names each flag after its setting, in kebab-case', () => {
    assert.equal(flagName('tries'), 'tries')
    assert.equal(flagName('maxJobs'), 'max-jobs')
    assert.equal(flagName('retryInPlace'), 'retry-in-place')
  })

  it('says a default only where there is one worth saying: a number, a rule, or the variable that holds it', () => {
    assert.equal(defaultText('timeout'), '60')
    assert.equal(defaultText('prefetch'), '10 x concurrency, at least 1000')
    assert.equal(defaultText('group'), 'KAFKA_CONSUMER_GROUP')
    assert.equal(defaultText('backoff'), undefined)
    assert.equal(defaultText('retryInPlace'), undefined)
    assert.equal(defaultText('maxJobs'), undefined)
  })

  it('passes every setting on to a process manager but --force (a maintenance switch) and --stop-when-empty (its worker would be restarted at once)', () => {
    assert.deepEqual(
      WORKER_SETTING_NAMES.filter((name) => !PROCESS_MANAGER_SETTING_NAMES.includes(name as never)),
      ['force', 'stopWhenEmpty'],
    )
  })

  it('gives each setting a one-line summary for --help and a sentence for the README', () => {
    for (const name of WORKER_SETTING_NAMES) {
      const {summary, description} = settingOf(name)
      assert.match(summary, /^[A-Z].*[^.]$/, `${name}: a summary gets its default and full stop added`)
      assert.match(description, /^[A-Z].*\.$/, `${name}: a description is a sentence`)
    }
  })

  describe('settingDefaults', () => {
    it('takes the group from KAFKA_CONSUMER_GROUP', () => {
      assert.equal(settingDefaults(config({KAFKA_CONSUMER_GROUP: 'billing'}), {}).group, 'billing')
    })

    it('computes the prefetch from the concurrency given, or from its default', () => {
      assert.equal(settingDefaults(config(), {}).prefetch, 1000)
      assert.equal(settingDefaults(config(), {concurrency: 300}).prefetch, 3000)
    })

    it('sets no limit: unset means unlimited', () => {
      const defaults = settingDefaults(config(), {})
      assert.deepEqual([defaults.maxJobs, defaults.maxTime, defaults.memory], [undefined, undefined, undefined])
    })
  })

  describe('README', () => {
    it('documents every setting in the table of kq work, as the settings table says, in its order', () => {
      const rows = readmeSection('### `kq work [QUEUES]`').filter((line) => line.startsWith('| `--'))
      const documented = rows.filter((row) => WORKER_SETTING_NAMES.some((name) => row.startsWith(`| \`--${flagName(name)}\``)))
      const expected = WORKER_SETTING_NAMES.map((name) => readmeRow(name))
      assert.deepEqual(documented, expected, `README's rows for the worker settings should read:\n${expected.join('\n')}\n`)
    })

    it('lists every setting make:supervisor passes on', () => {
      const text = readmeSection('### `kq make:supervisor [QUEUES]`').join('\n').replaceAll(/\s+/g, ' ')
      const listed = text.match(/the `kq work` flags you pass: (.*?)\. It runs/)?.[1] ?? ''
      for (const name of PROCESS_MANAGER_SETTING_NAMES) assert.ok(listed.includes(`\`--${flagName(name)}\``), `--${flagName(name)} is not listed`)
    })
  })
})
