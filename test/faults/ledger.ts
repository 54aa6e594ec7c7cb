import {existsSync, readFileSync} from 'node:fs'

/** One line of a fault run's ledger: a job that finished, which attempt, in which process. */
export interface LedgerLine {
  id: string
  attempt: number
  pid: number
}

/**
 * The job every fault scenario runs. Once its work is done it appends `<id> <attempt> <pid>` to
 * the file named by LEDGER and fsyncs it, so that a line is there however the process ends
 * afterwards: the ledger is the record of what ran. Its payload says how it behaves: `fail:
 * 'once'` throws on the first attempt (a retry), `fail: 'fatal'` fails for good while
 * FATAL_FAILS=1 (a dead letter, replayed later by a worker without it). JOB_SLEEP_MS makes
 * each job take that long.
 */
export const FAULT_JOB = `import {fsyncSync, openSync, writeSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import {FatalJobError, Job, type JobContext} from 'kq'

interface Payload {
  seq: number
  user: string
  fail?: 'once' | 'fatal'
}

// Opened on the first job: dispatching loads this class too, without a ledger.
let ledger: number | undefined

export default class Ledgered extends Job<Payload> {
  override tries = 3
  override backoff = [0.2]

  override async handle(payload: Payload, ctx: JobContext): Promise<void> {
    const ms = Number(process.env.JOB_SLEEP_MS ?? 0)
    if (ms > 0) await sleep(ms)
    if (payload.fail === 'once' && ctx.attempt === 1) throw new Error('fails its first attempt')
    if (payload.fail === 'fatal' && process.env.FATAL_FAILS === '1') throw new FatalJobError('fails for good')
    ledger ??= openSync(process.env.LEDGER as string, 'a')
    writeSync(ledger, ctx.id + ' ' + ctx.attempt + ' ' + process.pid + '\\n')
    // A killed process keeps what it wrote; fsync guards against the machine: the soak, which
    // kills nothing and runs thousands of jobs a second, goes without (LEDGER_FSYNC=0).
    if (process.env.LEDGER_FSYNC !== '0') fsyncSync(ledger)
  }
}
`

export function readLedger(file: string): LedgerLine[] {
  if (!existsSync(file)) return []
  const lines: LedgerLine[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // A process killed mid-write may leave a last line without its newline: not a finished job.
    const [id, attempt, pid] = line.split(' ')
    if (pid === undefined || pid === '') continue
    lines.push({id, attempt: Number(attempt), pid: Number(pid)})
  }

  return lines
}
