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
  // A queue named twice would be subscribed and counted twice, in two places of the priority order.
  if (new Set(options.queues).size !== options.queues.length) {
    throw new UsageError(`queue list ${options.queues.join(',')} names a queue twice: name each once, highest priority first`)
  }

  return options
}
