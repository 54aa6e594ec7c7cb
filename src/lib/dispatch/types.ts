/** Options of one dispatch, from application code or `kq dispatch`. */
export interface DispatchOptions {
  /** Queue to send to. @defaultValue the job's `queue`, else KAFKA_QUEUE */
  queue?: string
  /** Message key: jobs with the same key keep their order. @defaultValue none */
  key?: string
  /** Extra Kafka headers (names starting with `kq-` are kq's own and refused). */
  headers?: Record<string, string>
}

/** Where a dispatched job landed. */
export interface DispatchReceipt {
  id: string
  job: string
  queue: string
  topic: string
  partition: number
  offset: string
}
