import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {type ProcessManagerOptions, renderSystemdUnit, systemdUnitName} from '../../../src/lib/supervisor/index.js'
import {execArguments, isInstalled, readSystemdUnit, resolveSpecifiers, unitKeys} from './parse.js'

const KQ = ['/usr/bin/node', '--', '/srv/app/node_modules/kq/bin/run.js']

function options(given: Partial<ProcessManagerOptions> = {}): ProcessManagerOptions {
  return {queues: ['orders'], procs: 8, work: {tries: 3}, directory: '/srv/app', command: KQ, user: 'deploy', ...given}
}

describe('systemd template unit', () => {
  it('renders a template unit that systemd’s rules read back key by key', () => {
    const unit = readSystemdUnit(renderSystemdUnit(options()))
    assert.deepEqual(Object.keys(unit.sections), ['Unit', 'Service', 'Install'])
    assert.deepEqual(unitKeys(unit, 'Unit'), {
      Description: 'kq worker %i for queue orders',
      After: 'network-online.target',
      Wants: 'network-online.target',
    })
    assert.deepEqual(unitKeys(unit, 'Service'), {
      Type: 'simple',
      User: 'deploy',
      WorkingDirectory: '/srv/app',
      ExecStart: '/usr/bin/node -- /srv/app/node_modules/kq/bin/run.js work orders --tries=3',
      Environment: 'NO_COLOR=1',
      Restart: 'always',
      RestartSec: '1',
      SuccessExitStatus: '12',
      KillSignal: 'SIGTERM',
      TimeoutStopSec: '90',
      StandardOutput: 'journal',
      StandardError: 'inherit',
      SyslogIdentifier: 'kq-worker-orders-%i',
    })
    assert.deepEqual(unitKeys(unit, 'Install'), {WantedBy: 'multi-user.target'})
    assert.deepEqual(execArguments(unitKeys(unit, 'Service').ExecStart), [...KQ, 'work', 'orders', '--tries=3'])
    assert.equal(resolveSpecifiers(unitKeys(unit, 'Unit').Description, '3'), 'kq worker 3 for queue orders')
  })

  it('gives each instance its own metrics port: --metrics-port plus its instance number', () => {
    const unit = readSystemdUnit(renderSystemdUnit(options({work: {metricsPort: 9400}})))
    const service = unitKeys(unit, 'Service')
    assert.deepEqual(execArguments(service.ExecStart), [...KQ, 'work', 'orders', '--metrics-port=9400'])
    assert.equal(resolveSpecifiers(service.Environment, '3'), 'NO_COLOR=1 KQ_METRICS_PORT_OFFSET=3')
  })

  it('is named kq-worker-<queue>@.service and explains at the top how to enable N instances of it', () => {
    assert.equal(systemdUnitName(['orders']), 'kq-worker-orders@.service')
    assert.equal(systemdUnitName(['high', 'default']), 'kq-worker-high-default@.service')
    const {comments} = readSystemdUnit(renderSystemdUnit(options()))
    assert.deepEqual(comments.slice(0, 5), [
      'kq workers for queue orders: the instances kq-worker-orders@1 to @8 of this template.',
      'Install: save as /etc/systemd/system/kq-worker-orders@.service, then start 8 now and at every boot:',
      'sudo systemctl daemon-reload',
      'sudo systemctl enable --now kq-worker-orders@{1..8}',
      "Logs: journalctl -u 'kq-worker-orders@*' -f",
    ])
  })

  it('appends the output to --log instead of the journal', () => {
    const content = renderSystemdUnit(options({logFile: '/var/log/kq 100%/orders.log'}))
    const service = unitKeys(readSystemdUnit(content), 'Service')
    assert.equal(service.StandardOutput, 'append:/var/log/kq 100%%/orders.log')
    assert.equal(resolveSpecifiers(service.StandardOutput, '1'), 'append:/var/log/kq 100%/orders.log')
    assert.equal(service.StandardError, 'inherit')
    assert.equal(service.SyslogIdentifier, undefined)
    assert.match(content, /^# Logs: tail -f '\/var\/log\/kq 100%\/orders.log'$/m)
  })

  it('keeps arguments with spaces, quotes, backslashes, "%" and "$" whole', () => {
    const directory = '/srv/my app/100%'
    const command = ['/opt/node 20/bin/node', '--', `${directory}/it's "here"\\run.js`, '$HOME', '%i', '']
    const content = renderSystemdUnit(options({directory, command, work: {envFile: `${directory}/.env prod`}}))
    const service = unitKeys(readSystemdUnit(content), 'Service')
    assert.deepEqual(execArguments(service.ExecStart, '7'), [...command, 'work', 'orders', `--dotenv=${directory}/.env prod`])
    assert.equal(resolveSpecifiers(service.WorkingDirectory, '7'), directory)
  })

  it('restarts a worker whatever its exit code and counts exit 12 (over --memory) as a clean stop', () => {
    const service = unitKeys(readSystemdUnit(renderSystemdUnit(options({work: {memory: 256}}))), 'Service')
    assert.equal(service.Restart, 'always')
    assert.equal(service.SuccessExitStatus, '12')
    assert.equal(service.RestartPreventExitStatus, undefined)
  })

  it('waits the job timeout plus 30 seconds before SIGKILL, or --stop-wait', () => {
    const stop = (given: Partial<ProcessManagerOptions>) =>
      unitKeys(readSystemdUnit(renderSystemdUnit(options(given))), 'Service').TimeoutStopSec
    assert.equal(stop({}), '90')
    assert.equal(stop({work: {timeout: 600}}), '630')
    assert.equal(stop({stopWait: 45}), '45')
  })

  it('refuses a program that systemd would read as a prefix or not run, and a folder ending in a backslash', () => {
    assert.throws(() => renderSystemdUnit(options({command: ['-kq']})), /^UsageError: --command cannot start with "-" in a systemd unit$/)
    assert.throws(
      () => renderSystemdUnit(options({command: ["/opt/it's/node"]})),
      /^UsageError: --command "\/opt\/it's\/node": systemd runs no program whose path holds a quote or a backslash$/,
    )
    assert.throws(
      () => renderSystemdUnit(options({directory: '/srv/app\\'})),
      /^UsageError: --directory "\/srv\/app\\\\" cannot be written to the file: it ends with a backslash$/,
    )
  })

  describe('systemd-analyze verify', () => {
    let dir: string

    before(function () {
      if (!isInstalled('systemd-analyze')) {
        process.stderr.write('    skipped: systemd-analyze is not installed\n')
        this.skip()
      }

      dir = mkdtempSync(path.join(os.tmpdir(), 'kq-systemd-'))
    })

    after(() => {
      if (dir) rmSync(dir, {recursive: true, force: true})
    })

    /** Verifies a unit file saved under its own name; systemd checks the program exists and runs. */
    function verify(content: string, unitName: string): {status: number | null; output: string} {
      const file = path.join(dir, unitName)
      writeFileSync(file, content)
      const run = spawnSync('systemd-analyze', ['verify', file], {encoding: 'utf8'})
      return {status: run.status, output: `${run.stdout}${run.stderr}`}
    }

    it('accepts the unit without a warning', () => {
      const user = os.userInfo().username
      const content = renderSystemdUnit(options({command: [process.execPath, '--', '/srv/app/run.js'], user, logFile: path.join(dir, 'kq.log')}))
      assert.deepEqual(verify(content, 'kq-worker-orders@.service'), {status: 0, output: ''})
    })

    it('finds a program whose path holds spaces, "%" and "$": the quoting is systemd’s', () => {
      const folder = path.join(dir, 'node 100% $x')
      mkdirSync(folder)
      const program = path.join(folder, 'node')
      writeFileSync(program, '#!/bin/sh\n')
      chmodSync(program, 0o755)
      const content = renderSystemdUnit(options({command: [program], user: os.userInfo().username}))
      assert.deepEqual(verify(content, 'kq-worker-orders@.service'), {status: 0, output: ''})
      // The check has teeth: a program that is not there is an error.
      const missing = renderSystemdUnit(options({command: [`${program} not here`], user: os.userInfo().username}))
      const refused = verify(missing, 'kq-worker-orders@.service')
      assert.notEqual(refused.status, 0)
      assert.match(refused.output, /is not executable/)
    })
  })
})
