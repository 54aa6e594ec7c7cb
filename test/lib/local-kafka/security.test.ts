import {strict as assert} from 'node:assert'

import {javaArgumentFile, newSecurity, scramFormatArguments} from '../../../src/lib/local-kafka/security.js'

describe('local Kafka SCRAM users at format time', () => {
  it('puts each user into the format arguments, which go to a file rather than the command line', () => {
    const security = newSecurity([{name: 'alice', password: 'a#b%c'}], 'scram-sha-512')
    const args = scramFormatArguments(security)
    assert.deepEqual(args.slice(2), ['--add-scram', 'SCRAM-SHA-512=[name=alice,password=a#b%c]'])
    // Quoted: the java launcher would take an unquoted # as the start of a comment.
    assert.equal(javaArgumentFile(args.slice(2)), '"--add-scram"\n"SCRAM-SHA-512=[name=alice,password=a#b%c]"\n')
  })

  it('escapes what the java launcher reads specially inside quotes', () => {
    assert.equal(javaArgumentFile(['C:\\kafka\\lib\\*', 'say "hi"']), '"C:\\\\kafka\\\\lib\\\\*"\n"say \\"hi\\""\n')
  })
})
