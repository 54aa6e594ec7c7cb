import {type ProcessManagerOptions, workerName} from './options.js'
import {renderSupervisorProgram} from './supervisor.js'
import {renderSystemdUnit, systemdUnitName} from './systemd.js'

export type ProcessManager = 'supervisor' | 'systemd'

/** The file for `manager`, and the name it is installed under. */
export function renderProcessManagerConfig(
  manager: ProcessManager,
  options: ProcessManagerOptions,
): {content: string; fileName: string} {
  if (manager === 'systemd') return {content: renderSystemdUnit(options), fileName: systemdUnitName(options.queues)}
  return {content: renderSupervisorProgram(options), fileName: `${workerName(options.queues)}.conf`}
}
