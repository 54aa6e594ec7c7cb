import path from 'node:path'

import {
  type ProcessManagerOptions,
  checkProcessManagerOptions,
  stopWaitReason,
  stopWaitSeconds,
  workArguments,
  workerName,
} from './options.js'
import {comment, supervisorCommand, supervisorValue} from './quote.js'

/** The log file a Supervisor program writes when --log names none: `<app>/kq-worker-<queue>.log`. */
export function defaultSupervisorLog(options: Pick<ProcessManagerOptions, 'directory' | 'queues'>): string {
  return path.join(options.directory, `${workerName(options.queues)}.log`)
}

/**
 * A Supervisor `[program:kq-worker-<queue>]` section running `procs` workers, as the one in
 * Laravel's queue guide runs `queue:work`, with what a Kafka worker needs on top: a stop wait
 * longer than a job may run, and signals to the whole process group.
 */
export function renderSupervisorProgram(options: ProcessManagerOptions): string {
  checkProcessManagerOptions(options)
  const name = workerName(options.queues)
  const command = [...options.command, ...workArguments(options.queues, options.work)]
  const logFile = options.logFile ?? defaultSupervisorLog(options)
  return [
    `; kq workers for ${describeQueues(options.queues)}: ${options.procs} processes under Supervisor.`,
    `; Install: save as /etc/supervisor/conf.d/${name}.conf, then`,
    ';   sudo supervisorctl reread && sudo supervisorctl update',
    `; and see them with: sudo supervisorctl status '${name}:*'`,
    '',
    `[program:${name}]`,
    'process_name=%(program_name)s_%(process_num)02d',
    `numprocs=${options.procs}`,
    `command=${supervisorCommand(command, '--command')}`,
    `directory=${supervisorValue(options.directory, '--directory')}`,
    `user=${supervisorValue(options.user, '--user')}`,
    'autostart=true',
    ...comment(
      ';',
      'Any exit restarts the worker: exitcodes (default 0) only says which exits are expected, and ' +
        'autorestart=true restarts the others too, so exit 12 (over --memory) is a restart, never fatal. ' +
        'Only a worker that dies within a second of starting, as with a bad .env, is given up on (FATAL) after 3 retries.',
    ),
    'autorestart=true',
    '; SIGTERM stops the worker gracefully: no new jobs, running ones finish within their timeout.',
    'stopsignal=TERM',
    ...comment(';', stopWaitReason(options)),
    `stopwaitsecs=${stopWaitSeconds(options)}`,
    '; Signals reach the whole process group: whatever a job started stops with its worker.',
    'stopasgroup=true',
    'killasgroup=true',
    'redirect_stderr=true',
    // Supervisor expands %(...)s in a log file's name twice.
    `stdout_logfile=${supervisorValue(logFile, '--log', 2)}`,
    '; Colour codes in a log file are noise.',
    ...(options.work.metricsPort === undefined
      ? ['environment=NO_COLOR="1"']
      : [
          '; Each process serves its metrics on --metrics-port + its number (0, 1, ...).',
          'environment=NO_COLOR="1",KQ_METRICS_PORT_OFFSET="%(process_num)d"',
        ]),
    '',
  ].join('\n')
}

export function describeQueues(queues: string[]): string {
  return queues.length === 1 ? `queue ${queues[0]}` : `queues ${queues.join(', ')}`
}
