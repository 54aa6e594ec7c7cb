import {strict as assert} from 'node:assert'

import {AuthorizationError, TopicNotFoundError} from '../../src/lib/errors.js'
import {describeFailure} from '../../src/shared/failure.js'

describe('describeFailure', () => {
  const operator = {role: 'operator' as const, principal: 'User:ops', queues: ['orders'], group: 'kq-workers'}

  it('names the role a denied operator needs with "an", and the grant that gives it', () => {
    const denied = new AuthorizationError('Kafka denied permission while reading group kq-workers (GROUP_AUTHORIZATION_FAILED)', 'grant it')
    assert.equal(
      describeFailure(denied, operator).message,
      'Kafka denied permission while reading group kq-workers (GROUP_AUTHORIZATION_FAILED): a Kafka admin can grant what an operator needs with `kq acl:grant --role operator --principal User:ops --queue orders --group kq-workers`',
    )
  })

  it('names the role a dispatcher needs with "a" when its topic may be hidden from it', () => {
    const dispatcher = {role: 'dispatcher' as const, principal: 'User:web', queues: ['emails']}
    assert.match(
      describeFailure(new TopicNotFoundError('emails'), dispatcher).message,
      /; if it exists, User:web may not see it: `kq acl:grant --role dispatcher --principal User:web --queue emails` grants what a dispatcher needs$/,
    )
  })
})
