import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {LocalKafkaError, errorMessage} from '../errors.js'
import {type ClusterLayout, type NodeLayout} from './layout.js'
import {javaArgumentFile, scramFormatArguments, withoutPasswords} from './security.js'
import {serverProperties} from './server-properties.js'
import {type ClusterState, writeState} from './state.js'

/**
 * A node's storage made ready before it starts: its server.properties written, and its data
 * folder formatted by Kafka's storage tool when it has no meta.properties yet (the SCRAM users
 * of a SASL cluster are created then). Apart from cluster.ts, which starts and stops the nodes.
 */

const run = promisify(execFile)

/** Writes each node's properties and formats the storage of nodes that have none yet. */
export async function prepareStorage(
  layout: ClusterLayout,
  nodes: NodeLayout[],
  state: ClusterState,
  java: string,
  libDir: string,
  progress: (message: string) => void,
): Promise<void> {
  const unformatted = nodes.filter((node) => !existsSync(path.join(node.dataDir, 'meta.properties')))
  if (unformatted.length > 0) progress(`Formatting storage of ${unformatted.length} node(s)...`)
  await Promise.all(
    nodes.map(async (node) => {
      await mkdir(node.dataDir, {recursive: true})
      await writeFile(node.propertiesFile, serverProperties(layout, node, state.security, state.tls), {mode: 0o600})
      if (!unformatted.includes(node)) return
      const classpath = path.join(libDir, '*')
      const format = ['kafka.tools.StorageTool', 'format', '-t', state.clusterId, '-c', node.propertiesFile, '--ignore-formatted', ...scramFormatArguments(state.security)]
      // The main class and its arguments come from a file, SCRAM passwords among them: not in `ps`.
      const argumentFile = path.join(path.dirname(node.propertiesFile), `format-${node.id}.args`)
      try {
        await writeFile(argumentFile, javaArgumentFile(format), {mode: 0o600})
        await run(java, ['-cp', classpath, `@${argumentFile}`], {timeout: 120_000})
      } catch (error) {
        const output = (error as {stdout?: string; stderr?: string}).stderr || errorMessage(error)
        // The tool may echo its arguments, SCRAM passwords among them.
        const line = withoutPasswords(output.trim().split('\n').at(-1) ?? '', state.security)
        throw new LocalKafkaError(`formatting the storage of node ${node.id} failed: ${line}`)
      } finally {
        await rm(argumentFile, {force: true})
      }
    }),
  )
  await writeState(layout.stateFile, state)
}
