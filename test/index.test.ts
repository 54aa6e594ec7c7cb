import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {uniqueTopic} from './support/cli.js'
import {REPO_ROOT} from './support/paths.js'

describe('the kq library', () => {
  it('is importable by its package name, as applications import it', async () => {
    const kq = await import('kq')
    for (const name of ['loadConfig', 'topicsForQueue', 'withTopicAdmin', 'provisionTopics', 'startLocalKafka', 'KqError']) {
      assert.ok(name in kq, `kq does not export ${name}`)
    }
  })

  it("creates a queue's topics from application code, as the README shows", async () => {
    const {loadConfig, provisionTopics, queueTopicSpecs, topicsForQueue, withTopicAdmin} = await import('kq')
    const config = loadConfig({env: {...process.env, KAFKA_PARTITIONS: '2'}})
    const queue = uniqueTopic('app')
    const topics = topicsForQueue(config, queue)
    const rows = await withTopicAdmin(config.kafka, (admin) => provisionTopics(admin, queueTopicSpecs(topics, config)))
    assert.deepEqual(
      rows.map((row) => [row.name, row.partitions, row.status]),
      [queue, `${queue}-retry`, `${queue}-dlt`, ...topics.delayTopics].map((name) => [name, 2, 'created']),
    )
  })

  // Every job file imports kq, and a one-job `kq dispatch` loads one: the local Kafka's code
  // (the only user of child_process) loads when one of its functions is called.
  it('loads the local Kafka only when one of its functions is called', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kq-no-cluster-'))
    const script = `
      const kq = await import('kq')
      const loaded = () => process.moduleLoadList.includes('NativeModule child_process')
      const onImport = loaded()
      const status = await kq.localKafkaStatus({dir: ${JSON.stringify(dir)}})
      console.log(JSON.stringify({onImport, status: status.health, onCall: loaded()}))`
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: REPO_ROOT, encoding: 'utf8'})
    assert.deepEqual(JSON.parse(output), {onImport: false, status: 'absent', onCall: true})
  })
})
