import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {renderJobTemplate} from '../../src/lib/jobs/scaffold.js'
import {type TestApp, jobSource, makeTestApp} from '../support/app.js'
import {kq, uniqueTopic} from '../support/cli.js'
import {kcatMetadata} from '../support/kcat.js'
import {isUtilLinuxScript, kqOnTerminal} from '../support/terminal.js'
import {createQueue, kcatRecords, testBrokers} from '../support/topics.js'

type Terminal = ReturnType<typeof kqOnTerminal>

// The menu waiting for a choice; once chosen, its line starts with ✔ instead of ?.
const MENU = /\? What would you like to do\?/

const apps: TestApp[] = []
const folders: string[] = []

function app(): TestApp {
  const made = makeTestApp()
  apps.push(made)
  return made
}

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'kq-menu-'))
  folders.push(folder)
  return folder
}

after(() => {
  for (const each of apps) each.remove()
  for (const folder of folders) rmSync(folder, {recursive: true, force: true})
})

/** Waits until `check` accepts the terminal's screen (colours stripped). */
async function until(terminal: Terminal, what: string, check: (screen: string) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!check(terminal.screen())) {
    if (Date.now() > deadline) assert.fail(`${what} never appeared on the terminal:\n${terminal.screen()}`)
    await new Promise((resolve) => {
      setTimeout(resolve, 20)
    })
  }
}

/** Waits for `pattern` in what the terminal has shown since `mark` (a length of its screen). */
async function expectSince(terminal: Terminal, mark: number, pattern: RegExp): Promise<void> {
  await until(terminal, String(pattern), (screen) => pattern.test(screen.slice(mark)))
}

/**
 * Picks a menu entry as a person does: waits for the menu shown since `mark`, types the start of
 * the entry's label (select jumps to it), waits until the menu as last drawn highlights it, and
 * presses Enter. Returns the mark from which to look for what the entry does.
 */
async function choose(terminal: Terminal, label: string, mark = 0): Promise<number> {
  await expectSince(terminal, mark, MENU)
  terminal.type(label)
  const highlighted = new RegExp(`❯ ${label}`)
  await until(terminal, String(highlighted), (screen) => highlighted.test(screen.slice(screen.lastIndexOf('? What would you like to do?'))))
  const chosen = terminal.screen().length
  terminal.type('\r')
  return chosen
}

/** The scripts a run of kq compiled, from V8's coverage report: ES modules included. */
async function loadedScripts(args: string[], cwd: string): Promise<string[]> {
  const coverage = tempFolder()
  const {code} = await kq(args, {cwd, env: {NODE_V8_COVERAGE: coverage}})
  assert.equal(code, 0)
  return readdirSync(coverage).flatMap((file) => {
    const report = JSON.parse(readFileSync(path.join(coverage, file), 'utf8')) as {result: Array<{url: string}>}
    return report.result.map((script) => script.url)
  })
}

describe('kq with no arguments', function () {
  this.timeout(90_000)

  describe('off a terminal', () => {
    it('prints the usual root help, the same as kq --help, and exits 0', async () => {
      const bare = await kq([])
      const help = await kq(['--help'])
      assert.equal(bare.code, 0)
      assert.equal(bare.stderr, '')
      assert.equal(bare.stdout, help.stdout)
      assert.match(bare.stdout, /\$ kq \[COMMAND\]/)
      assert.doesNotMatch(bare.stdout, /menu/)
    })

    it('loads neither the menu nor inquirer for kq, kq --help or kq --version', async () => {
      const {root} = app()
      for (const args of [[], ['--help'], ['--version']]) {
        const scripts = await loadedScripts(args, root)
        assert.ok(scripts.some((url) => url.endsWith('/bin/run.js')), 'the coverage report misses kq itself')
        const unwanted = scripts.filter((url) => /\/@inquirer\/|\/output\/menu\.js$|\/commands\/menu\.js$/.test(url))
        assert.deepEqual(unwanted, [], `kq ${args.join(' ')}`)
      }
    })

    it('refuses kq menu in one line with exit 2 instead of waiting for keys', async () => {
      const {code, stdout, stderr} = await kq(['menu'])
      assert.equal(code, ExitCode.Usage)
      assert.equal(stdout, '')
      assert.equal(stderr, 'Error: the menu needs a terminal: run a command instead (see `kq --help`)\n')
    })
  })

  describe('on a terminal', () => {
    before(function () {
      if (!isUtilLinuxScript()) {
        process.stderr.write('      (no util-linux `script`: the interactive tests cannot get a pseudo-terminal)\n')
        this.skip()
      }
    })

    it('opens the menu of actions, and Exit leaves it with exit code 0', async () => {
      const terminal = kqOnTerminal([], app().root)
      await terminal.expect(MENU)
      const labels = ['Dispatch a job', 'Run a worker', 'Queue status', 'Browse dead letters', 'Replay dead letters']
      for (const label of [...labels, 'Create queue topics', 'Scaffold a job', 'Start local Kafka', 'Exit']) {
        await terminal.expect(new RegExp(label))
      }

      await choose(terminal, 'Exit')
      assert.equal(await terminal.exited, 0, terminal.screen())
    })

    it('still prints the help for kq --help', async () => {
      const terminal = kqOnTerminal(['--help'], app().root)
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.match(terminal.screen(), /\$ kq \[COMMAND\]/)
      assert.doesNotMatch(terminal.screen(), MENU)
    })

    it('scaffolds a job: asks for its name, writes the file, and comes back to the menu', async () => {
      const {root, jobsDir} = app()
      const terminal = kqOnTerminal([], root)
      const chosen = await choose(terminal, 'Scaffold a job')
      await expectSince(terminal, chosen, /Name of the job class/)
      terminal.type('SendEmail\r')
      await expectSince(terminal, chosen, /\$ kq make:job SendEmail\s+Created src\/jobs\/SendEmail\.ts[\s\S]*\? What would/)
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
      assert.equal(readFileSync(path.join(jobsDir, 'SendEmail.ts'), 'utf8'), renderJobTemplate({name: 'SendEmail'}))
    })

    it('creates a queue’s three topics with the partitions and replication factor typed in', async () => {
      const queue = uniqueTopic('menu')
      const terminal = kqOnTerminal([], app().root)
      const chosen = await choose(terminal, 'Create queue topics')
      await expectSince(terminal, chosen, /Queue to create topics for: \(default\)/)
      terminal.type(`${queue}\r`)
      await expectSince(terminal, chosen, /Partitions: \(1\)/)
      terminal.type('3\r')
      await expectSince(terminal, chosen, /Replication factor: \(1\)/)
      terminal.type('\r')
      await expectSince(terminal, chosen, new RegExp(`\\$ kq topic:create ${queue} --partitions=3 --replication-factor=1`))
      await expectSince(terminal, chosen, new RegExp(`${queue}-dlt\\s+dead-letter\\s+3\\s+1\\s+1\\s+created`))
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
      const {topics} = await kcatMetadata(testBrokers())
      for (const name of [queue, `${queue}-retry`, `${queue}-dlt`]) {
        const topic = topics.find((each) => each.topic === name)
        assert.ok(topic, `${name} does not exist`)
        assert.equal(topic.partitions.length, 3, name)
        assert.ok(topic.partitions.every((partition) => partition.replicas.length === 1), name)
      }
    })

    it('dispatches a job picked from the jobs folder with a payload it checks as typed', async () => {
      const queue = await createQueue('menu-dispatch')
      const {root, writeJob} = app()
      writeJob('Ping', jobSource('Ping', {body: `  override queue = '${queue}'\n  async handle(): Promise<void> {}`}))
      const terminal = kqOnTerminal([], root)
      const chosen = await choose(terminal, 'Dispatch a job')
      await expectSince(terminal, chosen, /Job to dispatch:\s+❯ Ping/)
      terminal.type('\r')
      await expectSince(terminal, chosen, /Payload of Ping \(JSON\)/)
      terminal.type('{"n": }\r')
      await expectSince(terminal, chosen, /not valid JSON at line 1, column 7/)
      terminal.type('\u007F\u007F1}\r')
      await expectSince(terminal, chosen, /\$ kq dispatch Ping '\{"n":1\}'\s+Dispatched Ping \S+/)
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
      const id = /Dispatched Ping (\S+)/.exec(terminal.screen())?.[1]
      const record = (await kcatRecords(queue)).find((each) => each.headers['kq-job-id'] === id)
      assert.ok(record, `no job ${id} on ${queue}`)
      assert.deepEqual(JSON.parse(record.payload).payload, {n: 1})
    })

    it('runs a worker on the queue asked for until it is empty, then comes back to the menu', async () => {
      const queue = await createQueue('menu-work')
      const {root, writeJob} = app()
      writeJob('Ping', jobSource('Ping', {body: `  override queue = '${queue}'\n  async handle(): Promise<void> {}`}))
      assert.equal((await kq(['dispatch', 'Ping', '{}'], {cwd: root})).code, 0)
      const terminal = kqOnTerminal([], root)
      const chosen = await choose(terminal, 'Run a worker')
      await expectSince(terminal, chosen, /Queue to work: \(default\)/)
      terminal.type(`${queue}\r`)
      await expectSince(terminal, chosen, /Tries per job, unless the job class says: \(1\)/)
      terminal.type('2\r')
      await expectSince(terminal, chosen, /Stop once the queue is empty\?/)
      terminal.type('\r')
      await expectSince(terminal, chosen, new RegExp(`\\$ kq work ${queue} --tries=2 --stop-when-empty`))
      await expectSince(terminal, chosen, /Ping \.+ [\d.]+m?s DONE[\s\S]*1 done, 0 failed[\s\S]*\? What would/)
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
    })

    it('browses a queue’s dead letters and replays the one ticked, back onto its queue', async () => {
      const queue = await createQueue('menu-dlt')
      const {root, writeJob} = app()
      const body = `  override queue = '${queue}'\n  async handle(): Promise<void> {\n    throw new FatalJobError('boom')\n  }`
      writeJob('Boom', jobSource('Boom', {body}).replace("import {Job}", "import {FatalJobError, Job}"))
      const {stdout} = await kq(['dispatch', 'Boom', '{}', '--json'], {cwd: root})
      const {id} = JSON.parse(stdout) as {id: string}
      assert.equal((await kq(['work', queue, '--stop-when-empty'], {cwd: root})).code, 0)
      const terminal = kqOnTerminal([], root)
      let chosen = await choose(terminal, 'Browse dead letters')
      await expectSince(terminal, chosen, /Queue whose dead letters to list/)
      terminal.type(`${queue}\r`)
      await expectSince(terminal, chosen, new RegExp(`\\$ kq dlt:list ${queue}\\s[\\s\\S]*${id}\\s+Boom\\s+fatal[\\s\\S]*\\? What would`))
      chosen = await choose(terminal, 'Replay dead letters', chosen)
      await expectSince(terminal, chosen, /Queue whose dead letters to replay/)
      terminal.type(`${queue}\r`)
      await expectSince(terminal, chosen, new RegExp(`◯ ${id}`))
      terminal.type(' ')
      await expectSince(terminal, chosen, new RegExp(`◉ ${id}`))
      terminal.type('\r')
      await expectSince(terminal, chosen, /\(y\/N\)/)
      terminal.type('y\r')
      await expectSince(terminal, chosen, /Replayed 1 dead letter[\s\S]*\? What would/)
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
      const onQueue = (await kcatRecords(queue)).filter((record) => record.headers['kq-job-id'] === id)
      assert.equal(onQueue.length, 2, 'the job again on its queue, after the original')
    })

    it('comes back to the menu after a command fails, and Exit still leaves with 0', async () => {
      const queue = uniqueTopic('menu-refused')
      const terminal = kqOnTerminal([], app().root)
      const chosen = await choose(terminal, 'Create queue topics')
      await expectSince(terminal, chosen, /Queue to create topics for/)
      terminal.type(`${queue}\r`)
      await expectSince(terminal, chosen, /Partitions:/)
      terminal.type('\r')
      await expectSince(terminal, chosen, /Replication factor:/)
      terminal.type('\u007F3\r')
      await expectSince(terminal, chosen, /Error: replication factor 3 is more than the 1 broker\(s\)[\s\S]*\? What would/)
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
      const {topics} = await kcatMetadata(testBrokers())
      assert.ok(!topics.some((topic) => topic.topic.startsWith(queue)))
    })

    it('says what is missing when there is no job to dispatch, and stays', async () => {
      const terminal = kqOnTerminal([], app().root)
      const chosen = await choose(terminal, 'Dispatch a job')
      await expectSince(terminal, chosen, /Error: there are no jobs in src\/jobs yet: create one with `kq make:job <Name>`[\s\S]*\? What would/)
      await choose(terminal, 'Exit', chosen)
      assert.equal(await terminal.exited, 0, terminal.screen())
    })

    it('cancels only the action on Ctrl-C at its question, and leaves with 130 on Ctrl-C at the menu', async () => {
      const {root, jobsDir} = app()
      const terminal = kqOnTerminal([], root)
      const chosen = await choose(terminal, 'Scaffold a job')
      await expectSince(terminal, chosen, /Name of the job class/)
      terminal.type('Half')
      await expectSince(terminal, chosen, /Half/)
      terminal.type('\u0003')
      await expectSince(terminal, chosen, /Cancelled: nothing was run\.[\s\S]*\? What would/)
      terminal.type('\u0003')
      assert.equal(await terminal.exited, 130, terminal.screen())
      assert.equal(existsSync(jobsDir), false)
    })
  })
})

describe('kq autocomplete', function () {
  this.timeout(60_000)

  /** Runs bash with the completion kq set up, and completes `words` as after <TAB>. */
  async function complete(setup: string, words: string[]): Promise<string[]> {
    const script = [
      // Stand-ins for two helpers of the bash-completion package, which interactive shells load.
      '_get_comp_words_by_ref() { :; }',
      '__ltrim_colon_completions() { :; }',
      setup,
      `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      '_kq_autocomplete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    return new Promise((resolve, reject) => {
      execFile('bash', ['--norc', '--noprofile', '-c', script], (error, stdout, stderr) => {
        if (error) reject(new Error(`bash failed: ${stderr}`))
        else resolve(stdout.split('\n').filter((line) => line !== ''))
      })
    })
  }

  it('prints setup instructions for bash that use kq autocomplete:script', async () => {
    const {code, stdout} = await kq(['autocomplete', 'bash'], {env: {KQ_CACHE_DIR: tempFolder()}})
    assert.equal(code, 0)
    assert.match(stdout, /Setup Instructions for KQ CLI Autocomplete/)
    assert.match(stdout, /printf "\$\(kq autocomplete:script bash\)" >> ~\/\.bashrc/)
  })

  it('gives bash a completion of kq’s commands and flags, without the hidden menu', async () => {
    const env = {KQ_CACHE_DIR: tempFolder()}
    assert.equal((await kq(['autocomplete', 'bash'], {env})).code, 0)
    const {code, stdout: setup} = await kq(['autocomplete:script', 'bash'], {env})
    assert.equal(code, 0)
    assert.match(setup, /KQ_AC_BASH_SETUP_PATH=/)
    assert.deepEqual(await complete(setup, ['kq', 'di']), ['dispatch'])
    assert.deepEqual(await complete(setup, ['kq', 'topic:']), ['topic:create', 'topic:list'])
    assert.deepEqual(await complete(setup, ['kq', 'make:job', '--f']), ['--force'])
    assert.deepEqual(await complete(setup, ['kq', 'me']), [])
  })
})
