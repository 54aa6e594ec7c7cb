import {KqCommand} from '../../base-command.js'
import {LocalKafkaError} from '../../lib/errors.js'
import {type LocalKafkaStatus, localKafkaStatus} from '../../lib/local-kafka/index.js'
import {renderLocalKafka} from '../../lib/output/local-kafka.js'
import {localKafkaDirFlag} from '../../shared/flags.js'

export default class KafkaStatus extends KqCommand {
  static override summary = 'Show whether the local Kafka is running and answering.'
  static override description = 'Exits 0 when it runs or is stopped cleanly, 7 when some nodes are down or it does not answer.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static override flags = {dir: localKafkaDirFlag}

  async run(): Promise<LocalKafkaStatus> {
    const {flags} = await this.parse(KafkaStatus)
    const status = await localKafkaStatus({dir: flags.dir})
    this.log(renderLocalKafka(status))
    if (status.health === 'degraded') {
      const error = new LocalKafkaError(
        'the local Kafka is only partly up or not answering: run `kq kafka:down` then `kq kafka:up`, and read the node logs above',
      )
      error.details = {status}
      throw error
    }

    return status
  }
}
