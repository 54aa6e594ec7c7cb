/**
 * Finished bytes in the shape in which kafkajs's code reads one of its encoders (`buf`, `offset`,
 * `buffer`, `size()`): what the encoders here hand back to it.
 */
export class Encoded {
  readonly offset: number

  constructor(readonly buf: Buffer) {
    this.offset = buf.length
  }

  get buffer(): Buffer {
    return this.buf
  }

  size(): number {
    return this.offset
  }
}
