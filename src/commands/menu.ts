import {Errors} from '@oclif/core'

import {KqCommand} from '../base-command.js'
import {KqError, UsageError} from '../lib/errors.js'
import {MENU_ACTIONS, type MenuAction, type MenuContext, commandLine} from '../lib/menu/actions.js'
import {stylesFor} from '../lib/output/styles.js'
import {type Choice, PromptCancelledError, askChoice, isInteractive} from '../lib/prompts/index.js'

/** Exit code when the menu is left with Ctrl-C: a shell's for a program interrupted by SIGINT. */
const INTERRUPTED = 130

/**
 * The interactive menu: `kq` with no arguments on a terminal runs this command (bin/run.js says
 * why there). Each action asks what its command needs, then runs that very command through oclif,
 * and comes back here. "Exit" leaves with 0; Ctrl-C at the menu leaves with 130, as kq work does
 * on SIGINT; Ctrl-C at an action's question only cancels that action.
 */
export default class Menu extends KqCommand {
  static override hidden = true
  static override summary = 'Pick what to do from a menu (what `kq` alone opens on a terminal).'
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const {flags} = await this.parse(Menu)
    if (!isInteractive()) throw new UsageError('the menu needs a terminal: run a command instead (see `kq --help`)')
    // Read again for each action, so that an edit to .env between two actions counts.
    const context: MenuContext = {config: () => this.loadConfig(flags)}
    const passOn = flags.dotenv === undefined ? [] : [`--dotenv=${flags.dotenv}`]
    for (;;) {
      const action = await this.chooseAction()
      if (action === undefined) return
      await this.perform(action, context, passOn)
    }
  }

  /** The action picked, or undefined for Exit. */
  private async chooseAction(): Promise<MenuAction | undefined> {
    const choices: Array<Choice<MenuAction | undefined>> = MENU_ACTIONS.map((action) => {
      const command = this.config.findCommand(action.command)
      return {
        value: action,
        name: action.label,
        description: `${this.config.bin} ${action.command}: ${command?.summary ?? ''}`,
        disabled: command === undefined ? '(not in this version of kq)' : false,
      }
    })
    choices.push({value: undefined, name: 'Exit', description: `\`${this.config.bin} --help\` lists every command`})
    try {
      return await askChoice('What would you like to do?', choices)
    } catch (error) {
      if (error instanceof PromptCancelledError) return this.exit(INTERRUPTED)
      throw error
    }
  }

  private async perform(action: MenuAction, context: MenuContext, passOn: string[]): Promise<void> {
    const styles = stylesFor(process.stderr)
    let argv: string[]
    try {
      argv = [...(await action.ask(context)), ...passOn]
    } catch (error) {
      if (error instanceof PromptCancelledError) {
        this.progress('Cancelled: nothing was run.\n')
        return
      }

      // A bad .env, or no jobs to dispatch yet: said as the command would say it, and the menu
      // stays, so that the user can fix it from here.
      if (!(error instanceof KqError)) throw error
      process.stderr.write(`${styles.red('Error:')} ${error.message}\n\n`)
      return
    }

    this.progress(styles.dim(`$ ${commandLine(this.config.bin, action.command, argv)}`))
    try {
      await this.config.runCommand(action.command, argv)
    } catch (error) {
      // A command has already reported its failure, in one line, and ends with an ExitError
      // carrying its exit code. The menu goes on either way.
      if (!(error instanceof Errors.ExitError)) throw error
    } finally {
      // oclif's Command.catch records a command's exit code in process.exitCode, where it would
      // become the menu's own once the user leaves.
      process.exitCode = undefined
    }

    this.progress('')
  }
}
