import {Flags} from '@oclif/core'

import {KqCommand} from '../../base-command.js'
import {topicName} from '../../lib/config/values.js'
import {UsageError} from '../../lib/errors.js'
import {moduleKindOf, renderJavaScriptJob} from '../../lib/jobs/scaffold-js.js'
import {JOB_TEMPLATE_DEFAULTS, renderJobTemplate, writeJobFile} from '../../lib/jobs/scaffold.js'
import {askJobName, isInteractive} from '../../lib/prompts/index.js'
import {displayPath} from '../../lib/text/paths.js'
import {jobsDirFlag, textArgument} from '../../shared/flags.js'

export interface MakeJobResult {
  /** The job's class name. */
  name: string
  /** The file written, absolute. */
  file: string
}

export default class MakeJob extends KqCommand {
  static override summary = 'Create a job class in the jobs folder.'
  static override description =
    'Writes <Name>.ts in the jobs folder (KQ_JOBS_DIR, default src/jobs): a class extending Job with its payload type, ' +
    'handle() and failed(), and the options a worker reads (tries, backoff, timeout). ' +
    'Asks for the name when none is given on a terminal. An existing job is never overwritten without --force.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> SendWelcomeEmail',
    '<%= config.bin %> <%= command.id %> ResizeImage --tries 5 --timeout 120 --queue images',
    '<%= config.bin %> <%= command.id %> ExampleKafkaJob --jobs-dir app/jobs',
    '<%= config.bin %> <%= command.id %> SendWelcomeEmail --js',
    '<%= config.bin %> <%= command.id %> SendWelcomeEmail --schema',
  ]

  static override args = {
    name: textArgument('Class name of the job, in PascalCase: SendWelcomeEmail.'),
  }

  static override flags = {
    tries: Flags.integer({
      description: 'Attempts in all before the job is dead-lettered.',
      default: JOB_TEMPLATE_DEFAULTS.tries,
      min: 1,
    }),
    timeout: Flags.integer({
      description: 'Seconds an attempt may run before it is aborted.',
      default: JOB_TEMPLATE_DEFAULTS.timeout,
      min: 1,
    }),
    queue: Flags.string({description: 'Queue the job is dispatched to when the caller names none.'}),
    force: Flags.boolean({description: 'Overwrite the job if its file exists.', default: false}),
    js: Flags.boolean({
      description: "Write <Name>.js, in JavaScript: an ES module or CommonJS, as the application's package.json says.",
      default: false,
    }),
    schema: Flags.boolean({
      description: 'Add a payload schema, checked at dispatch and by the worker (hand-written: no library needed).',
      default: false,
    }),
    'jobs-dir': jobsDirFlag,
  }

  async run(): Promise<MakeJobResult> {
    const {args, flags} = await this.parse(MakeJob)
    const {jobsDir} = this.loadConfig({dotenv: flags.dotenv, 'jobs-dir': flags['jobs-dir']})
    const queue = flags.queue === undefined ? undefined : topicName({raw: flags.queue, label: '--queue', fromCommandLine: true})
    const name = args.name ?? (await this.askName())
    // renderJobTemplate refuses a bad name, with the corrected one, before anything is written.
    const template = {name, tries: flags.tries, timeout: flags.timeout, schema: flags.schema, ...(queue !== undefined && {queue})}
    const contents = flags.js ? renderJavaScriptJob(template, moduleKindOf(jobsDir)) : renderJobTemplate(template)
    const file = await writeJobFile(jobsDir, name, contents, {force: flags.force, extension: flags.js ? '.js' : '.ts'})
    this.log(`Created ${displayPath(file)}`)
    return {name, file}
  }

  // --json means a script is running us, even from a terminal: it gets an error, not a question.
  private async askName(): Promise<string> {
    if (this.jsonEnabled() || !isInteractive()) throw new UsageError('missing job name: kq make:job <Name>')
    return askJobName()
  }
}
