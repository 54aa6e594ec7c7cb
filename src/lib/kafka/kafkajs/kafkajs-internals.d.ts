/** The kafkajs module that parses a Metadata response (see metadata-parse.ts). */
declare module 'kafkajs/src/protocol/requests/metadata/v0/response.js' {
  import {type MetadataResponse} from './metadata-parse.js'

  const response: {parse: (data: MetadataResponse) => Promise<MetadataResponse>}
  export default response
}

declare module 'kafkajs/src/network/requestQueue/index.js' {
  /** The queue of one connection's requests: those in flight, and those waiting their turn. */
  class RequestQueue {
    pending: unknown[]
    throttledUntil: number
    scheduleCheckPendingRequests(): void
  }
  export default RequestQueue
}

declare module 'kafkajs/src/cluster/index.js' {
  interface TopicOffsetsRequest {
    topic: string
    partitions: Array<{partition: number}>
  }

  /** One client's view of the cluster: its metadata, and the requests that need a partition's leader. */
  class Cluster {
    /** When its metadata is next read again, in ms since the epoch; null: at the next request. */
    brokerPool: {metadataExpireAt: number | null}
    findTopicPartitionMetadata(topic: string): Array<{partitionId: number; leader: number}>
    fetchTopicsOffset(topics: TopicOffsetsRequest[]): Promise<Array<{topic: string; partitions: Array<{partition: number; offset: string}>}>>
  }
  export default Cluster
}
