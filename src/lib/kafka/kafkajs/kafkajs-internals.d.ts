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
