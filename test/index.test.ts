import {strict as assert} from 'node:assert'

import {uniqueTopic} from './support/cli.js'

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
})
