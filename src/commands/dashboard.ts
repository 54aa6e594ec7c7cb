import {Flags} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {assertSafeBinding} from '../lib/dashboard/access.js'
import {DEFAULT_HOST, DEFAULT_PORT} from '../lib/dashboard/options.js'
import {openInBrowser} from '../lib/dashboard/open.js'
import {brokersFlag} from '../shared/flags.js'
import {onStopSignals} from '../shared/signals.js'

export interface DashboardResult {
  url: string
}

export default class Dashboard extends KqCommand {
  static override summary = 'Serve a web dashboard of the queues, workers and dead letters, with a JSON API.'
  static override description =
    'Serves the page and its JSON API (see the README) until Ctrl-C. Everything it shows comes from the same code as ' +
    '`kq status` and `kq dlt:*`; replay and purge move the same crash-safe cursor. On any address other than loopback ' +
    'it requires a token (--token, or KQ_DASHBOARD_TOKEN in the environment: not read from .env), which every request must then carry.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --open',
    '<%= config.bin %> <%= command.id %> --port 9000 --read-only',
    'KQ_DASHBOARD_TOKEN=s3cret <%= config.bin %> <%= command.id %> --host 0.0.0.0',
  ]

  static override flags = {
    host: Flags.string({description: 'Address to listen on; any but loopback needs --token.', default: DEFAULT_HOST}),
    port: Flags.integer({description: 'Port to listen on (0: any free port).', default: DEFAULT_PORT, min: 0, max: 65_535}),
    open: Flags.boolean({description: 'Open the dashboard in the default browser.'}),
    token: Flags.string({description: 'Token every request must carry (Authorization: Bearer, or ?token= once), 16 characters at least (openssl rand -hex 24). Prefer KQ_DASHBOARD_TOKEN: a flag shows in ps.', env: 'KQ_DASHBOARD_TOKEN'}),
    'read-only': Flags.boolean({description: 'Hide and refuse replay and purge.', default: false}),
    group: Flags.string({char: 'g', description: 'Consumer group of the workers (overrides KAFKA_CONSUMER_GROUP).'}),
    brokers: brokersFlag,
  }

  async run(): Promise<DashboardResult> {
    const {flags} = await this.parse(Dashboard)
    const options = {host: flags.host, port: flags.port, readOnly: flags['read-only'], ...(flags.token && {token: flags.token})}
    // Before anything loads or connects: an open address without a token is refused at once.
    await assertSafeBinding(options.host, options.token)
    const config = this.loadConfig(flags)
    this.actingAs('operator', config, [config.queue])
    const {startDashboard} = await import('../lib/dashboard/serve.js')
    const dashboard = await startDashboard(config, {
      ...options,
      version: this.config.version,
      onUnexpected: (error) => process.stderr.write(`dashboard: ${process.env.KQ_DEBUG && error instanceof Error ? error.stack : String(error)}\n`),
    })
    if (this.jsonEnabled()) this.logJson({url: dashboard.url})
    else {
      const notes = [options.readOnly && 'read-only', options.token !== undefined && 'open it once with ?token=<the token> or send Authorization: Bearer']
      const said = notes.filter(Boolean).join('; ')
      this.log(`kq dashboard at ${dashboard.url}${said ? ` (${said})` : ''}: Ctrl-C to stop`)
    }

    if (flags.open) {
      const problem = await openInBrowser(dashboard.openUrl)
      if (problem) this.warning(problem)
    }

    await new Promise<void>((resolve) => {
      const release = onStopSignals({
        stop() {
          release()
          resolve()
        },
      })
    })
    await dashboard.close()
    return {url: dashboard.url}
  }
}
