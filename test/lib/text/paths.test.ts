import {strict as assert} from 'node:assert'
import path from 'node:path'

import {displayPath} from '../../../src/lib/text/paths.js'

describe('displayPath', () => {
  const cwd = path.resolve('/srv/app')

  it('shows a path inside the working folder relative to it', () => {
    assert.equal(displayPath(path.join(cwd, 'src', 'jobs', 'SendEmail.ts'), cwd), path.join('src', 'jobs', 'SendEmail.ts'))
  })

  it('shows the working folder itself as .', () => {
    assert.equal(displayPath(cwd, cwd), '.')
  })

  it('shows a path outside the working folder as it is, absolute', () => {
    const outside = path.resolve('/etc/supervisor/conf.d/kq.conf')
    assert.equal(displayPath(outside, cwd), outside)
    assert.equal(displayPath(path.resolve('/srv'), cwd), path.resolve('/srv'))
  })

  it('keeps a sibling folder whose name starts with two dots relative', () => {
    assert.equal(displayPath(path.join(cwd, '..config'), cwd), '..config')
  })
})
