/**
 * `kq` through oclif whatever its arguments: what bin/run.js does once it has decided that
 * neither a quick answer nor the dispatch path without oclif applies. Tests run a command line
 * both ways to show the two paths answer alike. Usage: node oclif-run.js ARGS...
 */
import {pathToFileURL} from 'node:url'

import {execute} from '@oclif/core'

import {KQ_BIN} from './paths.js'

await execute({dir: pathToFileURL(KQ_BIN).href, args: process.argv.slice(2)})
