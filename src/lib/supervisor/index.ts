import {type ProcessManagerOptions, workerName} from './options.js'
import {renderSupervisorProgram} from './supervisor.js'
import {renderSystemdUnit, systemdUnitName} from './systemd.js'

/**
 * Configuration for running kq workers under a process manager, as Laravel's queue guide does
 * with Supervisor: a Supervisor program section, or a systemd template unit. Rendering is pure;
 * checkPartitions asks Kafka, writeConfigFile writes.
 */
export {defaultKqCommand, type KqCommandChoice} from './kq-command.js'
export {
  PROCESS_MANAGER_DEFAULTS,
  STOP_MARGIN_SECONDS,
  type ProcessManagerOptions,
  type WorkFlags,
  stopWaitSeconds,
  workArguments,
  workerName,
} from './options.js'
export {PARTITION_CHECK_TIMEOUT_MS, checkPartitions, partitionWarnings} from './partitions.js'
export {splitCommandLine} from './quote.js'
export {defaultSupervisorLog, renderSupervisorProgram} from './supervisor.js'
export {renderSystemdUnit, systemdUnitName} from './systemd.js'
export {refuseExisting, writeConfigFile} from './write.js'

export type ProcessManager = 'supervisor' | 'systemd'

/** The file for `manager`, and the name it is installed under. */
export function renderProcessManagerConfig(
  manager: ProcessManager,
  options: ProcessManagerOptions,
): {content: string; fileName: string} {
  if (manager === 'systemd') return {content: renderSystemdUnit(options), fileName: systemdUnitName(options.queues)}
  return {content: renderSupervisorProgram(options), fileName: `${workerName(options.queues)}.conf`}
}
