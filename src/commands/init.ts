import {KqCommand} from '../base-command.js'
import {jobsDirFlag} from '../shared/flags.js'
import {displayPath} from '../lib/text/paths.js'
import {type InitResult, initApplication, nextSteps} from '../lib/init/init.js'

export interface InitCommandResult extends InitResult {
  next: string[]
}

export default class Init extends KqCommand {
  static override summary = 'Prepare this application folder for kq: .env and the jobs folder.'
  static override description =
    'Writes .env from kq\'s example (an existing one is never touched) and creates the jobs folder (KQ_JOBS_DIR, ' +
    'default src/jobs), then prints the next commands. Running it again changes nothing.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --jobs-dir app/jobs']

  static override flags = {
    'jobs-dir': jobsDirFlag,
  }

  async run(): Promise<InitCommandResult> {
    const {flags} = await this.parse(Init)
    const envFile = flags.dotenv ?? '.env'
    const result = await initApplication({
      folder: process.cwd(),
      envFile,
      jobsDir: (settings) => this.loadConfig({dotenv: settings, 'jobs-dir': flags['jobs-dir']}).jobsDir,
    })
    const next = nextSteps(result)
    this.log(`${result.env.created ? 'Created' : 'Kept   '} ${displayPath(result.env.file)}`)
    this.log(`${result.jobs.created ? 'Created' : 'Kept   '} ${displayPath(result.jobs.dir)}/`)
    if (!result.kqInstalled) {
      this.log("\nThis folder's code cannot import kq yet: job files do. Install it here with")
      this.log("  npm install <kq's folder, or the .tgz that npm pack makes there>")
    }

    this.log('\nNext:')
    for (const line of next) this.log(`  ${line}`)
    return {...result, next}
  }
}
