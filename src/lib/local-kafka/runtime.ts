import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readFile, readdir, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {LocalKafkaError, errorMessage} from '../errors.js'
import {jarCacheDir} from './layout.js'

const run = promisify(execFile)

/** Pinned so that the jars resolve the same way on every machine. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1'
/** Kafka 3.9 ships no logging binding and 4.x keeps slf4j 1.7: this one binds for both. */
const SLF4J_BINDING = {groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '1.7.36'}

export interface JavaRuntime {
  command: string
  major: number
}

/** Finds Java through JAVA_HOME, then PATH, and checks it is new enough for this Kafka. */
export async function findJava(kafkaVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<JavaRuntime> {
  const fromHome = env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : undefined
  const command = fromHome && existsSync(fromHome) ? fromHome : 'java'
  let output: string
  try {
    // Options meant for the broker's JVM (a debugger agent, say) must not stall this probe.
    const {JAVA_TOOL_OPTIONS: _, ...probeEnv} = env
    const {stdout, stderr} = await run(command, ['-version'], {env: probeEnv, timeout: 30_000})
    output = stderr + stdout
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LocalKafkaError(
        'Java was not found (looked in JAVA_HOME and PATH): install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME',
      )
    }

    throw new LocalKafkaError(`${command} -version failed (${errorMessage(error).split('\n')[0]}): check the Java installation or JAVA_HOME`)
  }

  const match = /version "(\d+)(?:\.(\d+))?/.exec(output)
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0
  const needed = Number(kafkaVersion.split('.')[0]) >= 4 ? 17 : 11
  if (major < needed) {
    throw new LocalKafkaError(
      `Kafka ${kafkaVersion} needs Java ${needed} or newer, but ${command} is Java ${major || 'of unknown version'}: install a newer JDK or point JAVA_HOME at one`,
    )
  }

  return {command, major}
}

function runtimePom(kafkaVersion: string): string {
  const dependency = (groupId: string, artifactId: string, version: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>kq.local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>',
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dependency('org.apache.kafka', 'kafka_2.13', kafkaVersion),
    dependency(SLF4J_BINDING.groupId, SLF4J_BINDING.artifactId, SLF4J_BINDING.version),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n')
}

/**
 * Returns the folder of broker jars for `kafkaVersion`, resolving them from Maven Central the
 * first time. Jars land in a private folder that is renamed into place when complete, so an
 * interrupted download never leaves a half cache and two concurrent starts do not collide.
 */
export async function ensureKafkaJars(
  kafkaVersion: string,
  cacheDir: string,
  onProgress: (message: string) => void = () => {},
): Promise<string> {
  const target = jarCacheDir(cacheDir, kafkaVersion)
  const lib = path.join(target, 'lib')
  if (await hasJars(lib)) return lib

  await assertMavenInstalled(kafkaVersion)
  onProgress(`Resolving Kafka ${kafkaVersion} from Maven Central (first start only)...`)
  const staging = `${target}.partial-${process.pid}`
  await rm(staging, {recursive: true, force: true})
  await mkdir(staging, {recursive: true})
  const pom = path.join(staging, 'pom.xml')
  const mavenLog = path.join(staging, 'maven.log')
  await writeFile(pom, runtimePom(kafkaVersion))
  try {
    await run(
      'mvn',
      [
        '-B',
        '-f',
        pom,
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        `-DoutputDirectory=${path.join(staging, 'lib')}`,
        `-l`,
        mavenLog,
      ],
      {timeout: 15 * 60_000},
    )
  } catch (error) {
    const failedLog = `${target}.maven-failure.log`
    const reason = (await firstMavenError(mavenLog)) ?? errorMessage(error)
    await rename(mavenLog, failedLog).catch(() => {})
    await rm(staging, {recursive: true, force: true})
    throw new LocalKafkaError(
      `Maven could not resolve Kafka ${kafkaVersion} (${reason}): check --kafka-version (e.g. 4.4.0 or 3.9.2) and access to Maven Central; Maven's log: ${failedLog}`,
    )
  }

  await rm(target, {recursive: true, force: true})
  try {
    await rename(staging, target)
  } catch {
    // Another start finished the same download first; its copy is as good as ours.
    await rm(staging, {recursive: true, force: true})
  }

  if (!(await hasJars(lib))) throw new LocalKafkaError(`no Kafka jars found in ${lib} after resolving them`)
  return lib
}

async function hasJars(lib: string): Promise<boolean> {
  try {
    const files = await readdir(lib)
    return files.some((file) => /^kafka_2\.13-.*\.jar$/.test(file))
  } catch {
    return false
  }
}

async function assertMavenInstalled(kafkaVersion: string): Promise<void> {
  try {
    await run('mvn', ['-v'], {timeout: 60_000})
  } catch {
    throw new LocalKafkaError(
      `Maven (mvn) was not found on PATH: it is needed once, to fetch the Kafka ${kafkaVersion} jars; install it (e.g. \`apt-get install maven\`)`,
    )
  }
}

/** Maven's first `[ERROR]` line, shortened: usually the artifact it could not find. */
async function firstMavenError(log: string): Promise<string | undefined> {
  const text = await readFile(log, 'utf8').catch(() => '')
  const line = text.split('\n').find((each) => each.startsWith('[ERROR]'))
  if (line === undefined) return undefined
  const message = line.replace(/^\[ERROR\]\s*/, '').trim()
  return message.length > 200 ? `${message.slice(0, 200)}...` : message
}
