/**
 * The payload schema `kq make:job --schema` writes into a new job: a hand-written Standard Schema
 * object, so that a new job needs no validation library; one from zod, valibot or arktype may
 * replace it as it is.
 */
export function schemaLines(name: string, language: {payloadType?: string}): string[] {
  const typed = language.payloadType !== undefined
  return [
    '  // Checked at dispatch (a refused payload is not sent) and by the worker before handle()',
    '  // (a refused one is dead-lettered as invalid-payload without running). Any Standard Schema',
    '  // fits here: z.object({data: z.string()}) from zod, for one.',
    typed ? `  override schema: StandardSchemaV1<unknown, ${language.payloadType}> = {` : '  schema = {',
    "    '~standard': {",
    '      version: 1,',
    `      vendor: ${JSON.stringify(name)},`,
    typed ? '      validate(value: unknown) {' : '      validate(value) {',
    "        if (typeof value !== 'object' || value === null) return {issues: [{message: 'expected an object'}]}",
    typed ? '        const {data} = value as {data?: unknown}' : '        const {data} = value',
    "        if (typeof data !== 'string') return {issues: [{message: 'expected a string', path: ['data']}]}",
    '        return {value: {data}}',
    '      },',
    '    },',
    '  }',
    '',
  ]
}
