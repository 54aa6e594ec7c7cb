import {strict as assert} from 'node:assert'

import {unanswered} from '../../../../src/lib/kafka/kafkajs/complete-send.js'

const message = (partition: number, value: string) => ({partition, value})
const reply = (topicName: string, partition: number) => ({topicName, partition, errorCode: 0})

describe('a send that must reach every partition', () => {
  it('finds the messages of each partition the reply does not list, topic by topic', () => {
    const sent = [
      {topic: 'jobs', messages: [message(0, 'a'), message(1, 'b'), message(0, 'c'), message(2, 'd')]},
      {topic: 'mail', messages: [message(0, 'e')]},
    ]
    assert.deepEqual(unanswered(sent, [reply('jobs', 1), reply('jobs', 2), reply('mail', 0)]), [
      {topic: 'jobs', messages: [message(0, 'a'), message(0, 'c')]},
    ])
  })

  it('finds nothing left when every partition written to is in the reply', () => {
    assert.deepEqual(unanswered([{topic: 'jobs', messages: [message(0, 'a'), message(1, 'b')]}], [reply('jobs', 0), reply('jobs', 1)]), [])
  })
})
