import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'

import {encryptionKey} from '../../../src/lib/envelope/encryption.js'
import {sealText, shownText} from '../../../src/lib/failure/sealed-text.js'

describe('sealed failure headers', () => {
  const key = encryptionKey(randomBytes(32))
  const other = encryptionKey(randomBytes(32))
  const binding = {id: '01a2352e-1e18-7ffa-98c8-5d3e6638ab55', job: 'Charge'}
  const sealed = sealText('card 4242 declined', 'kq-error-message', {key, binding})

  it('hides the text, and opens it with the key for the same job and header', () => {
    assert.match(sealed, /^kq-sealed:[0-9a-f]{12}\./)
    assert.ok(!sealed.includes('4242'))
    assert.equal(shownText(sealed, 'kq-error-message', {current: other, old: [key]}, binding), 'card 4242 declined')
  })

  it('names the key it needs where that key is not here, and does not open for another job or header', () => {
    assert.equal(shownText(sealed, 'kq-error-message', undefined, undefined), `(encrypted with key ${key.id})`)
    assert.equal(shownText(sealed, 'kq-error-message', {current: other, old: []}, binding), `(encrypted with key ${key.id}, which this process does not have)`)
    assert.equal(shownText(sealed, 'kq-error-stack', {current: key, old: []}, binding), '(encrypted, does not authenticate)')
    assert.equal(shownText(sealed, 'kq-error-message', {current: key, old: []}, {...binding, job: 'Refund'}), '(encrypted, does not authenticate)')
  })

  it('shows a plain header as it is', () => {
    assert.equal(shownText('boom', 'kq-error-message', undefined, undefined), 'boom')
  })
})
