import {type KqConfig, topicsForQueue} from '../config/index.js'
import {JobRegistry} from '../jobs/registry.js'
import {askForJob, askForPayload, askInteger, askJobName, askQueueName, askYesNo} from '../prompts/index.js'
import {shellWord} from '../supervisor/quote.js'

/**
 * The actions of the menu that `kq` alone opens on a terminal. An action asks only for what its
 * command needs and answers with that command's arguments; the menu then runs the command
 * itself, so choosing an action behaves exactly as typing the command out.
 */

export interface MenuContext {
  /** The configuration (.env, environment): the defaults offered are the command's own. */
  config(): KqConfig
}

export interface MenuAction {
  /** The command it runs, as typed after `kq`. */
  command: string
  /** Its line in the menu. */
  label: string
  /** Asks what the command needs; resolves to the command's arguments. */
  ask(context: MenuContext): Promise<string[]>
}

export const MENU_ACTIONS: readonly MenuAction[] = [
  {
    command: 'dispatch',
    label: 'Dispatch a job',
    async ask({config}) {
      const job = await askForJob(await JobRegistry.scan(config().jobsDir))
      return [job, JSON.stringify(await askForPayload(job))]
    },
  },
  {
    command: 'work',
    label: 'Run a worker',
    async ask({config}) {
      const queue = await askQueueName('Queue to work:', config().queue)
      const tries = await askInteger({message: 'Tries per job, unless the job class says:', default: 1})
      const stopWhenEmpty = await askYesNo('Stop once the queue is empty? (else Ctrl-C stops it)', true)
      return [queue, `--tries=${tries}`, ...(stopWhenEmpty ? ['--stop-when-empty'] : [])]
    },
  },
  {
    command: 'status',
    label: 'Queue status',
    async ask() {
      return []
    },
  },
  {
    command: 'dlt:list',
    label: 'Browse dead letters',
    async ask({config}) {
      return [await askQueueName('Queue whose dead letters to list:', config().queue)]
    },
  },
  {
    command: 'dlt:replay',
    label: 'Replay dead letters',
    async ask({config}) {
      return [await askQueueName('Queue whose dead letters to replay:', config().queue)]
    },
  },
  {
    command: 'topic:create',
    label: 'Create queue topics',
    async ask({config}) {
      const settings = config()
      const queue = await askQueueName('Queue to create topics for:', settings.queue)
      const partitions = await askInteger({message: 'Partitions:', default: settings.partitions})
      const replication = await askInteger({message: 'Replication factor:', default: settings.replicationFactor})
      // topic:create takes the queue's topic, which for the default queue may be KAFKA_TOPIC.
      const {topic} = topicsForQueue(settings, queue)
      return [topic, `--partitions=${partitions}`, `--replication-factor=${replication}`]
    },
  },
  {
    command: 'make:job',
    label: 'Scaffold a job',
    async ask() {
      return [await askJobName()]
    },
  },
  {
    command: 'kafka:up',
    label: 'Start local Kafka',
    async ask() {
      return []
    },
  },
]

/** The command line an action runs, to show it, so that the menu also teaches the commands. */
export function commandLine(bin: string, command: string, argv: readonly string[]): string {
  return [bin, command, ...argv].map((word) => shellWord(word)).join(' ')
}
