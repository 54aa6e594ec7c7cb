import {strict as assert} from 'node:assert'
import path from 'node:path'

import {importCycles, importGraph} from './support/import-graph.js'
import {REPO_ROOT} from './support/paths.js'

describe('the imports of src', () => {
  const graph = importGraph(path.join(REPO_ROOT, 'src'))

  it('form no cycle, not even through a type-only or dynamic import', () => {
    const cycles = importCycles(graph).map((cycle) => [...cycle, cycle[0]].join(' -> '))
    assert.deepEqual(cycles, [])
  })

  it('are all read: every relative import names a file of src', () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((target) => !graph.has(target)).map((target) => `${file} -> ${target}`))
    assert.ok(graph.size > 50, `only ${graph.size} files found under src`)
    assert.deepEqual(missing, [])
  })
})
