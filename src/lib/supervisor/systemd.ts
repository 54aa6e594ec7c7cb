import {UsageError} from '../errors.js'
import {
  type ProcessManagerOptions,
  checkProcessManagerOptions,
  stopWaitReason,
  stopWaitSeconds,
  workArguments,
  workerName,
} from './options.js'
import {comment, shellWord, systemdCommand, systemdValue} from './quote.js'
import {describeQueues} from './supervisor.js'

// systemd refuses longer unit names.
const MAX_UNIT_NAME = 255

/** The template unit's file name: `kq-worker-orders@.service`; its instances are `kq-worker-orders@1` and on. */
export function systemdUnitName(queues: string[]): string {
  const unit = `${workerName(queues)}@.service`
  if (unit.length > MAX_UNIT_NAME) {
    throw new UsageError(`the unit name ${unit.slice(0, 40)}… would be ${unit.length} characters long: systemd allows ${MAX_UNIT_NAME}`)
  }

  return unit
}

/**
 * A systemd template unit: one file, and `procs` instances of it, each a worker. Output goes to
 * the journal, or is appended to `logFile` when one is given.
 */
export function renderSystemdUnit(options: ProcessManagerOptions): string {
  checkProcessManagerOptions(options)
  const unit = systemdUnitName(options.queues)
  const name = workerName(options.queues)
  checkProgram(options.command[0])

  const command = [...options.command, ...workArguments(options.queues, options.work)]
  const output =
    options.logFile === undefined
      ? ['StandardOutput=journal', 'StandardError=inherit', `SyslogIdentifier=${name}-%i`]
      : [`StandardOutput=append:${systemdValue(options.logFile, '--log')}`, 'StandardError=inherit']
  const logs = options.logFile === undefined ? `journalctl -u '${name}@*' -f` : `tail -f ${shellWord(options.logFile)}`
  return [
    `# kq workers for ${describeQueues(options.queues)}: the instances ${name}@1 to @${options.procs} of this template.`,
    `# Install: save as /etc/systemd/system/${unit}, then start ${options.procs} now and at every boot:`,
    '#   sudo systemctl daemon-reload',
    `#   sudo systemctl enable --now ${name}@{1..${options.procs}}`,
    `# Logs: ${logs}`,
    '',
    '[Unit]',
    `Description=kq worker %i for ${describeQueues(options.queues)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${systemdValue(options.user, '--user')}`,
    `WorkingDirectory=${systemdValue(options.directory, '--directory')}`,
    `ExecStart=${systemdCommand(command, '--command')}`,
    '# Colour codes in a log are noise.',
    ...(options.work.metricsPort === undefined
      ? ['Environment=NO_COLOR=1']
      : ['# Each instance serves its metrics on --metrics-port + its number (1, 2, ...).', 'Environment=NO_COLOR=1 KQ_METRICS_PORT_OFFSET=%i']),
    ...comment(
      '#',
      'Any exit restarts the worker, exit 12 (over --memory) included, which SuccessExitStatus counts as a clean stop. ' +
        'A worker that keeps dying at once, as with a bad .env, is given up on after 5 starts in 10s.',
    ),
    'Restart=always',
    'RestartSec=1',
    'SuccessExitStatus=12',
    '# SIGTERM stops the worker gracefully: no new jobs, running ones finish within their timeout.',
    'KillSignal=SIGTERM',
    ...comment('#', stopWaitReason(options)),
    `TimeoutStopSec=${stopWaitSeconds(options)}`,
    ...output,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n')
}

/** systemd reads a leading @, -, :, + or ! as a prefix, and runs no program whose path holds a quote or backslash. */
function checkProgram(program: string): void {
  if (/^[@:+!-]/.test(program)) throw new UsageError(`--command cannot start with ${JSON.stringify(program[0])} in a systemd unit`)
  if (/["'\\]/.test(program)) {
    throw new UsageError(`--command ${JSON.stringify(program)}: systemd runs no program whose path holds a quote or a backslash`)
  }
}
