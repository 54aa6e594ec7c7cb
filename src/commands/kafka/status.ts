import {KqCommand} from '../../base-command.js'
import {LocalKafkaError} from '../../lib/errors.js'
import {type LocalKafkaStatus, localKafkaStatus} from '../../lib/local-kafka/index.js'
import {renderLocalKafka} from '../../lib/output/local-kafka.js'
import {givenSetting} from '../../shared/config-flags.js'
import {localKafkaDirFlag} from '../../shared/flags.js'

export default class KafkaStatus extends KqCommand {
  static override summary = 'Show whether the local Kafka is running and answering.'
  static override description = 'Exits 0 when it runs or is stopped cleanly, 7 when some nodes are down or it does not answer.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override flags = {dir: localKafkaDirFlag}

  async run(): Promise<LocalKafkaStatus> {
    const {flags} = await this.parse(KafkaStatus)
    const status = await localKafkaStatus({dir: flags.dir})
    this.log(renderLocalKafka(status, givenSetting(flags, 'KAFKA_BROKERS')))
    if (status.health === 'degraded') {
      const error = new LocalKafkaError(degradedAdvice(status, flags.dir))
      error.details = {status}
      throw error
    }

    return status
  }
}

/**
 * kafka:up starts only the nodes that are not running, so a node that died is brought back
 * without stopping the others (and the workers connected to them); a cluster whose nodes all run
 * but do not answer needs the full stop and start.
 */
function degradedAdvice(status: LocalKafkaStatus, dir: string): string {
  const dirFlag = dir === KafkaStatus.flags.dir.default ? '' : ` --dir ${dir}`
  const stopped = status.nodes.filter((node) => !node.running).map((node) => node.id)
  if (stopped.length > 0) {
    const which = stopped.length === 1 ? `node ${stopped[0]} is` : `nodes ${stopped.join(', ')} are`
    return `${which} stopped: \`kq kafka:up${dirFlag}\` starts ${stopped.length === 1 ? 'it' : 'them'} again and leaves the running nodes alone; the node logs above say why`
  }

  return `the local Kafka runs but does not answer: run \`kq kafka:down${dirFlag}\` then \`kq kafka:up${dirFlag}\`, and read the node logs above`
}
