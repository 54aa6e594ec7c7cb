/** Loader hooks for report-loaded-modules: tells the main thread the URL of every module loaded. */
import {type MessagePort} from 'node:worker_threads'

let port: MessagePort | undefined

export function initialize(data: {port: MessagePort}): void {
  port = data.port
}

export async function load(url: string, context: unknown, next: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  port?.postMessage(url)
  return next(url, context)
}
