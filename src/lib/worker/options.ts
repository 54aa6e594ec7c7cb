import {type KqConfig} from '../config/index.js'
import {UsageError} from '../errors.js'
import {type WorkerSettingValues, settingDefaults} from './settings.js'

/**
 * Everything a worker is told, in one object, as Laravel's WorkerOptions: `kq work` builds it
 * from its flags, an application from its own settings. Each setting, its default and its
 * documentation live in WORKER_SETTINGS (settings.ts); only the queues are not a setting.
 */
export interface WorkerOptions extends WorkerSettingValues {
  /** Queues to work. @defaultValue [KAFKA_QUEUE] */
  queues: string[]
}

export function workerOptions(config: KqConfig, given: Partial<WorkerOptions> = {}): WorkerOptions {
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined))
  const options = {queues: [config.queue], ...settingDefaults(config, defined), ...defined}
  refuseQueueNamedTwice(options.queues)
  return options
}

/**
 * A queue named twice would be subscribed and counted twice, in two places of the priority
 * order: refused for `kq work` and for the workers `kq make:supervisor` writes alike.
 */
export function refuseQueueNamedTwice(queues: readonly string[]): void {
  if (new Set(queues).size !== queues.length) {
    throw new UsageError(`queue list ${queues.join(',')} names a queue twice: name each once, highest priority first`)
  }
}
