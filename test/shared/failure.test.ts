import {strict as assert} from 'node:assert'

import {Args, Flags, Parser} from '@oclif/core'

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

  describe("oclif's parse errors, in one line that reads", () => {
    async function usageMessage(argv: string[], options: Parameters<typeof Parser.parse>[1]): Promise<string> {
      const error = await Parser.parse(argv, options).then(() => assert.fail('parsed'), (caught: Error) => caught)
      return describeFailure(error, undefined, {commandId: 'pause'}).message
    }

    it('names a missing argument with its description, after one colon', async () => {
      const message = await usageMessage([], {args: {queue: Args.string({required: true, description: 'The queue to pause.'})}})
      assert.equal(message, 'Missing 1 required arg: queue (The queue to pause.) (see `kq pause --help`)')
    })

    it('gives a flag that needs another without the heading of a list', async () => {
      const message = await usageMessage(['--mtls'], {flags: {tls: Flags.boolean(), mtls: Flags.boolean({dependsOn: ['tls']})}})
      assert.equal(message, 'All of the following must be provided when using --mtls: --tls (see `kq pause --help`)')
    })

    it('separates several missing flags with semicolons', async () => {
      const message = await usageMessage([], {flags: {principal: Flags.string({required: true}), role: Flags.string({required: true})}})
      assert.equal(message, 'Missing required flag principal; Missing required flag role (see `kq pause --help`)')
    })
  })
})
