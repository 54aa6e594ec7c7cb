import {spawn} from 'node:child_process'

/** The desktop's own opener: what a person double-clicking a link would get. */
const OPENERS: Partial<Record<NodeJS.Platform, [string, string[]]>> = {
  darwin: ['open', []],
  win32: ['cmd', ['/c', 'start', '""']],
}

/** Opens `url` in the default browser; resolves to why not, or undefined once launched. */
export async function openInBrowser(url: string): Promise<string | undefined> {
  const [command, args] = OPENERS[process.platform] ?? ['xdg-open', []]
  return new Promise((resolve) => {
    const child = spawn(command, [...args, url], {detached: true, stdio: 'ignore'})
    child.once('error', (error) => resolve(`cannot open a browser (${command}: ${error.message}): open ${url} yourself`))
    child.once('spawn', () => {
      child.unref()
      resolve(undefined)
    })
  })
}
