import {readFileSync} from 'node:fs'
import path from 'node:path'

import {UsageError} from '../errors.js'
import {schemaLines} from './scaffold-schema.js'
import {JOB_TEMPLATE_DEFAULTS, JOB_TEMPLATE_TEXT, type JobTemplateOptions, checkJobName, describeJobNameProblem} from './scaffold.js'

/** How a `.js` file in a folder is read by Node: its nearest package.json's "type". */
export function moduleKindOf(dir: string): 'module' | 'commonjs' {
  for (let folder = path.resolve(dir); ; folder = path.dirname(folder)) {
    try {
      const {type} = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as {type?: unknown}
      return type === 'module' ? 'module' : 'commonjs'
    } catch {
      // No package.json here (or not one Node could read either): look further up.
    }

    if (path.dirname(folder) === folder) return 'commonjs'
  }
}

/**
 * The JavaScript source of a new job, as an ES module or CommonJS as the application's own
 * `.js` files are, so that its code can import the job it dispatches. The same job as the
 * TypeScript template (renderJobTemplate), without the types.
 */
export function renderJavaScriptJob(options: JobTemplateOptions, kind: 'module' | 'commonjs'): string {
  const {name, queue} = options
  const check = checkJobName(name)
  if (!check.ok) throw new UsageError(describeJobNameProblem(check))
  const tries = options.tries ?? JOB_TEMPLATE_DEFAULTS.tries
  const timeout = options.timeout ?? JOB_TEMPLATE_DEFAULTS.timeout
  const esm = kind === 'module'
  return [
    esm ? "import {Job} from 'kq'" : "const {Job} = require('kq')",
    '',
    `/** ${name} receives the JSON given to dispatch, such as {"data": "hello"}. */`,
    `${esm ? 'export default ' : ''}class ${name} extends Job {`,
    ...(queue === undefined ? [] : ['  // Queue that dispatch() sends to when the caller names none.', `  queue = ${JSON.stringify(queue)}`]),
    JOB_TEMPLATE_TEXT.tries,
    `  tries = ${tries}`,
    JOB_TEMPLATE_TEXT.backoff,
    `  backoff = [${JOB_TEMPLATE_DEFAULTS.backoff.join(', ')}]`,
    JOB_TEMPLATE_TEXT.timeout,
    `  timeout = ${timeout}`,
    '',
    ...(options.schema ? schemaLines(name, {}) : []),
    '  async handle(payload, ctx) {',
    ...JOB_TEMPLATE_TEXT.handle,
    '  }',
    '',
    JOB_TEMPLATE_TEXT.failed,
    '  async failed(payload, error, ctx) {',
    JOB_TEMPLATE_TEXT.failedBody,
    '  }',
    '}',
    ...(esm ? [] : ['', `module.exports = ${name}`]),
    '',
  ].join('\n')
}
