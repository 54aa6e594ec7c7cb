import {strict as assert} from 'node:assert'

import {JsonSyntaxError, locateJsonError, parseJson} from '../../../src/lib/text/json.js'

function errorOf(text: string): string {
  assert.throws(() => parseJson(text), JsonSyntaxError)
  return locateJsonError(text).message
}

describe('parseJson', () => {
  it('parses valid JSON of every kind', () => {
    assert.deepEqual(parseJson('{"a":[1,2.5e3,"x",true,false,null]}'), {a: [1, 2500, 'x', true, false, null]})
    assert.equal(parseJson('"plain"'), 'plain')
    assert.equal(parseJson(' 42 '), 42)
  })

  it('says where the JSON broke and what was expected there', () => {
    assert.equal(errorOf('{"data":}'), 'line 1, column 9: expected a value (object, array, string, number, true, false or null), found "}"')
    assert.equal(errorOf('{"data":"x"'), 'line 1, column 12: expected \',\' or \'}\', found the end of the input')
    assert.equal(errorOf("{'a':1}"), 'line 1, column 2: expected a property name in double quotes, found "\'"')
    assert.equal(errorOf('{"a":1,}'), 'line 1, column 8: expected another property (JSON allows no trailing comma), found "}"')
    assert.equal(errorOf('[1,2,'), 'line 1, column 6: expected a value (object, array, string, number, true, false or null), found the end of the input')
    assert.equal(errorOf('{"a" 1}'), "line 1, column 6: expected ':' after the property name, found \"1\"")
    assert.equal(errorOf('{"a":1} x'), 'line 1, column 9: expected the end of the input after the JSON value, found "x"')
    assert.equal(errorOf(''), 'line 1, column 1: expected a value (object, array, string, number, true, false or null), found the end of the input')
    assert.equal(errorOf('nul'), 'line 1, column 1: expected a value (object, array, string, number, true, false or null), found "n"')
  })

  it('counts lines and columns in multi-line input', () => {
    assert.equal(errorOf('{\n  "a": 1,\n  "b": tru\n}'), 'line 3, column 8: expected a value (object, array, string, number, true, false or null), found "t"')
  })

  it('catches bad strings', () => {
    assert.equal(errorOf('"a\\qb"'), 'line 1, column 4: expected an escape such as \\n or \\", found "q"')
    assert.equal(errorOf('"\\u12x4"'), 'line 1, column 3: expected four hex digits after \\u, found "u"')
    assert.equal(errorOf('"line\nbreak"'), 'line 1, column 6: expected a closing quote before the line ends, found "\\n"')
    assert.equal(errorOf('"open'), 'line 1, column 6: expected a closing quote, found the end of the input')
  })

  it('does not overflow on absurd nesting', () => {
    const deep = '['.repeat(200_000)
    assert.equal(errorOf(deep).endsWith('nested too deeply') || errorOf(deep).includes('found the end of the input'), true)
  })
})
