import {stylesFor} from './styles.js'

export interface ProgressBar {
  update(done: number, total: number): void
  finish(): void
}

const WIDTH = 30

/**
 * A one-line progress bar on stderr, redrawn in place, and only on a terminal: logs and pipes
 * get the final summary alone. Redraws at most ten times a second.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return {update() {}, finish() {}}
  const styles = stylesFor(stream)
  const started = Date.now()
  let lastDraw = 0
  let drawn = false
  return {
    update(done, total) {
      const now = Date.now()
      if (now - lastDraw < 100 && done < total) return
      lastDraw = now
      const fraction = total > 0 ? Math.min(1, done / total) : 1
      const filled = Math.round(fraction * WIDTH)
      const rate = done / Math.max(0.001, (now - started) / 1000)
      const bar = styles.green('█'.repeat(filled)) + styles.dim('░'.repeat(WIDTH - filled))
      const numbers = `${Math.round(fraction * 100)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`
      stream.write(`\r${label} ${bar} ${numbers} (${Math.round(rate).toLocaleString('en-US')}/s)\u001B[K`)
      drawn = true
    },
    finish() {
      if (drawn) stream.write('\r\u001B[K')
    },
  }
}
