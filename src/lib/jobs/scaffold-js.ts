import {readFileSync} from 'node:fs'
import path from 'node:path'

import {UsageError} from '../errors.js'
import {JOB_TEMPLATE_DEFAULTS, type JobTemplateOptions, checkJobName, describeJobNameProblem} from './scaffold.js'

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
    '  // Attempts in all before the job goes to the dead-letter topic (wins over `kq work --tries`).',
    `  tries = ${tries}`,
    "  // Seconds before each retry; the last value repeats (Laravel's rule).",
    `  backoff = [${JOB_TEMPLATE_DEFAULTS.backoff.join(', ')}]`,
    '  // Seconds an attempt may run before it is aborted and counted as failed.',
    `  timeout = ${timeout}`,
    '',
    '  async handle(payload, ctx) {',
    '    // ctx.signal aborts at the timeout: hand it to whatever waits (fetch(url, {signal: ctx.signal}),',
    '    // a database query), so that an attempt that timed out stops instead of running on.',
    '    ctx.signal.throwIfAborted()',
    '    ctx.log(`processed ${payload.data}`)',
    '  }',
    '',
    '  // Runs once, after the last failed attempt, when the job is dead-lettered.',
    '  async failed(payload, error, ctx) {',
    '    ctx.log(`failed for good: ${String(error)}`)',
    '  }',
    '}',
    ...(esm ? [] : ['', `module.exports = ${name}`]),
    '',
  ].join('\n')
}
