import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {findJava} from '../../src/lib/local-kafka/runtime.js'
import {JAR_CACHE} from './paths.js'
import {testBrokers} from './topics.js'

const run = promisify(execFile)

/**
 * Kafka's own consumer-group tool, the class behind kafka-consumer-groups.sh, run from the
 * kafka-tools jars of Maven Central: an independent reader of a group's offsets and lag, written
 * by Kafka's authors in another language on another client. Its figures are the reference.
 */
const TOOLS_VERSION = '3.9.2'
const MAIN_CLASS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'

function toolsPom(): string {
  // reload4j would log to stdout, where the tool's table is; slf4j-nop keeps the output clean.
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kq.test</groupId><artifactId>kafka-tools-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${TOOLS_VERSION}</version>
      <exclusions>
        <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId></exclusion>
        <exclusion><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`
}

/**
 * The folder of kafka-tools jars, resolved with Maven the first time on a machine (about 20 s),
 * beside the broker jars of `kq kafka:up`. Resolved into a private folder renamed into place, so
 * an interrupted run never leaves half a cache.
 */
export async function ensureKafkaTools(): Promise<string> {
  const target = path.join(JAR_CACHE, `kafka-tools-${TOOLS_VERSION}`)
  const lib = path.join(target, 'lib')
  if (existsSync(path.join(lib, `kafka-tools-${TOOLS_VERSION}.jar`))) return lib
  const staging = `${target}.partial-${process.pid}`
  await rm(staging, {recursive: true, force: true})
  await mkdir(staging, {recursive: true})
  await writeFile(path.join(staging, 'pom.xml'), toolsPom())
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      path.join(staging, 'pom.xml'),
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${path.join(staging, 'lib')}`,
    ],
    {timeout: 10 * 60_000},
  )
  await rm(target, {recursive: true, force: true})
  await rename(staging, target).catch(async () => rm(staging, {recursive: true, force: true}))
  return lib
}

/** One row of `kafka-consumer-groups --describe`; `-` cells are null. */
export interface ConsumerGroupRow {
  group: string
  topic: string
  partition: number
  currentOffset: number | null
  logEndOffset: number
  lag: number | null
  consumerId: string | null
  host: string | null
  clientId: string | null
}

/** Runs Kafka's consumer-group tool with the given arguments against the test broker. */
export async function consumerGroupCommand(args: string[]): Promise<string> {
  const [lib, java] = await Promise.all([ensureKafkaTools(), findJava(TOOLS_VERSION)])
  // A client JVM that starts in about a second: no tiered compilation past C1, one GC thread.
  const jvm = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m']
  const {stdout} = await run(java.command, [...jvm, '-cp', path.join(lib, '*'), MAIN_CLASS, '--bootstrap-server', testBrokers(), ...args], {
    timeout: 60_000,
  })
  return stdout
}

/**
 * `kafka-consumer-groups --describe --group G`, parsed: a row per partition the group has a
 * committed offset on or a member holds. Empty when the group does not exist.
 */
export async function describeGroupWithKafka(group: string): Promise<ConsumerGroupRow[]> {
  const output = await consumerGroupCommand(['--describe', '--group', group])
  const lines = output.split('\n')
  const header = lines.findIndex((line) => /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID/.test(line))
  if (header < 0) return []
  const cell = (text: string) => (text === '-' ? null : text)
  const number = (text: string) => (text === '-' ? null : Number(text))
  return lines
    .slice(header + 1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name, topic, partition, current, end, lag, consumerId, host, clientId] = line.trim().split(/\s+/)
      return {
        group: name,
        topic,
        partition: Number(partition),
        currentOffset: number(current),
        logEndOffset: Number(end),
        lag: number(lag),
        consumerId: cell(consumerId),
        host: cell(host),
        clientId: cell(clientId),
      }
    })
}
