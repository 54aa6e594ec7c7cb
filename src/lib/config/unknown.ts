import {closest, editDistance} from '../text/closest.js'
import {VARIABLES} from './variables.js'

const KNOWN: ReadonlySet<string> = new Set(VARIABLES.map((variable) => variable.name))

/** Apache Kafka's own scripts read these: an environment may well hold them for another tool. */
const KAFKA_SCRIPT_VARIABLES = new Set([
  'KAFKA_HEAP_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_DEBUG',
  'KAFKA_HOME',
  'KAFKA_LOG_DIR',
])

/**
 * Warnings for settings kq would silently ignore: a misspelt `KAFKA_PARTITONS=6` otherwise makes
 * topic:create use 1 partition, which can never be undone. Every unknown KAFKA_ or KQ_ name in
 * the env file is one (the file is written for kq); one in the environment only when it is a
 * near miss of a kq setting, as other tools have variables of their own there.
 */
export function unknownVariableWarnings(fileValues: Record<string, string>, fileName: string, env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = []
  for (const name of Object.keys(fileValues)) {
    if (!/^(KAFKA|KQ)_/.test(name) || KNOWN.has(name)) continue
    const suggestion = closest(name, KNOWN)
    warnings.push(`${name} in ${fileName} is not a kq setting, and is ignored${suggestion ? `: did you mean ${suggestion}?` : ''}`)
  }

  for (const name of Object.keys(env)) {
    if (!/^(KAFKA|KQ)_/.test(name) || KNOWN.has(name) || KAFKA_SCRIPT_VARIABLES.has(name) || name in fileValues) continue
    const suggestion = closest(name, KNOWN)
    if (suggestion !== undefined && editDistance(name, suggestion) <= 2) {
      warnings.push(`${name} in the environment is not a kq setting, and is ignored: did you mean ${suggestion}?`)
    }
  }

  return warnings
}
