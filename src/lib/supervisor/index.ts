/**
 * Configuration for running kq workers under a process manager, as Laravel's queue guide does
 * with Supervisor: a Supervisor program section, or a systemd template unit. Rendering is pure;
 * prepareProcessManagerConfig reads the application's configuration and asks Kafka (checkPartitions),
 * writeConfigFile writes.
 */
export {defaultKqCommand, type KqCommandChoice} from './kq-command.js'
export {type ProcessManagerConfig, type ProcessManagerRequest, prepareProcessManagerConfig} from './make.js'
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
export {type ProcessManager, renderProcessManagerConfig} from './render.js'
export {defaultSupervisorLog, renderSupervisorProgram} from './supervisor.js'
export {renderSystemdUnit, systemdUnitName} from './systemd.js'
export {refuseExisting, writeConfigFile} from './write.js'
