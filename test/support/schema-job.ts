/**
 * A job with a hand-written payload schema ({name: string}, its output marked `checked`) that
 * appends what handle() received to a ledger file: for tests of the schema at dispatch and in
 * the worker.
 */
export function schemaJobSource(name: string, ledger: string): string {
  return `import {appendFileSync} from 'node:fs'

import {Job, type StandardSchemaV1} from 'kq'

interface Payload {
  name: string
  checked?: boolean
}

export default class ${name} extends Job<Payload> {
  override schema: StandardSchemaV1<unknown, Payload> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate(value: unknown) {
        const name = (value as {name?: unknown} | null)?.name
        if (typeof name !== 'string') return {issues: [{message: 'expected a string', path: ['name']}]}
        return {value: {name, checked: true}}
      },
    },
  }

  override async handle(payload: Payload): Promise<void> {
    appendFileSync(${JSON.stringify(ledger)}, JSON.stringify(payload) + '\\n')
  }
}
`
}
