import {spawn} from 'node:child_process'
import {closeSync, openSync, readFileSync, readdirSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {LOOPBACK, type NodeLayout} from './layout.js'

export interface JvmOptions {
  java: string
  libDir: string
  heapMb: number
}

/** Starts one Kafka node in the background, detached from this process, its output in its log. */
export function startNode(node: NodeLayout, jvm: JvmOptions): number {
  const log = openSync(node.logFile, 'a')
  try {
    const child = spawn(
      jvm.java,
      [
        `-Xms${Math.min(256, jvm.heapMb)}m`,
        `-Xmx${jvm.heapMb}m`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
        '-cp',
        path.join(jvm.libDir, '*'),
        'kafka.Kafka',
        node.propertiesFile,
      ],
      {detached: true, stdio: ['ignore', log, log]},
    )
    child.unref()
    if (child.pid === undefined) throw new Error(`could not start ${jvm.java}`)
    return child.pid
  } finally {
    closeSync(log)
  }
}

/**
 * True when `pid` is alive and is the Kafka node started with `propertiesFile`, so that a pid
 * reused by another program after a reboot is never mistaken for ours, nor signalled.
 */
export function isNodeProcess(pid: number | null | undefined, propertiesFile: string): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }

  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(propertiesFile)
  } catch {
    // No /proc (macOS): a live pid is the best evidence there is.
    return true
  }
}

/**
 * The folder of the local Kafka (`kq kafka:up`) whose node listens on `port`, found among the
 * running processes; undefined when none does, or without /proc (macOS). A port taken by
 * another folder's cluster is then named as such, not blamed on "another program".
 */
export function localKafkaOnPort(port: number): string | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }

  for (const pid of pids) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      const main = args.indexOf('kafka.Kafka')
      const propertiesFile = main === -1 ? undefined : args[main + 1]
      if (!propertiesFile?.endsWith('server.properties')) continue
      const listeners = /^listeners=(.*)$/m.exec(readFileSync(propertiesFile, 'utf8'))?.[1] ?? ''
      // <dir>/node-<id>/server.properties: see layout.ts.
      if (listeners.split(',').some((listener) => listener.endsWith(`:${port}`))) return path.dirname(path.dirname(propertiesFile))
    } catch {
      // A process that ended meanwhile, or one this user may not read.
    }
  }

  return undefined
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Sends SIGTERM (Kafka's shutdown hook closes the logs cleanly), waits up to `timeoutMs`, then
 * SIGKILLs what is left. Returns the pids that had to be killed.
 */
export async function terminate(pids: number[], timeoutMs: number): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100)
  const stubborn = pids.filter(isAlive)
  for (const pid of stubborn) signal(pid, 'SIGKILL')
  while (stubborn.some(isAlive)) await sleep(50)
  return stubborn
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

/** True when something already listens on the loopback port. */
export async function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(true))
    server.listen({port, host: LOOPBACK, exclusive: true}, () => {
      server.close(() => resolve(false))
    })
  })
}

/** The most telling line of a node's log: its last ERROR, else its last line. */
export async function telltaleLogLine(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '')
  const lines = text.split('\n').filter((line) => line.trim() !== '')
  const line = lines.findLast((each) => /\b(ERROR|FATAL)\b|Exception/.test(each)) ?? lines.at(-1)
  return line === undefined ? undefined : line.length > 240 ? `${line.slice(0, 240)}...` : line
}
