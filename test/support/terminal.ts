import {strict as assert} from 'node:assert'
import {execFileSync, spawn} from 'node:child_process'

import {KQ_BIN} from './paths.js'

/** True where util-linux `script` can give a command a pseudo-terminal (Debian, not macOS). */
export function isUtilLinuxScript(): boolean {
  try {
    return execFileSync('script', ['--version'], {encoding: 'utf8'}).includes('util-linux')
  } catch {
    return false
  }
}

/**
 * Runs kq under a pseudo-terminal (util-linux `script`), so that stdin and stdout are TTYs as in
 * a person's shell. `expect` waits for text on the terminal (colours stripped); `type` sends keys.
 */
export function kqOnTerminal(args: string[], cwd: string) {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`
  // `exec`: script runs the command through $SHELL, and a dash (the usual /bin/sh) left waiting
  // under kq dies of the same Ctrl-C itself, so the exit code would be the shell's, not kq's.
  const command = ['exec', ...[process.execPath, KQ_BIN, ...args].map((word) => quote(word))].join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], {cwd, env: {...process.env, TERM: 'xterm'}})
  let screen = ''
  child.stdout.on('data', (data: Buffer) => {
    screen += data.toString().replaceAll(/\u001B\[[\d;?]*[A-Za-z]/g, '')
  })
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code) => resolve(code ?? 1))
  })
  return {
    screen: () => screen,
    async expect(pattern: RegExp): Promise<void> {
      const deadline = Date.now() + 20_000
      while (!pattern.test(screen)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill()
          assert.fail(`${pattern} never appeared on the terminal:\n${screen}`)
        }

        await new Promise((resolve) => {
          setTimeout(resolve, 20)
        })
      }
    },
    type(keys: string): void {
      child.stdin.write(keys)
    },
    exited,
  }
}
