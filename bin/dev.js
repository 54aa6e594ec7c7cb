#!/usr/bin/env node
// Runs the CLI straight from src/ through tsx, so a change is visible without a build.
import {register} from 'tsx/esm/api'
import {execute} from '@oclif/core'

register()
await execute({development: true, dir: import.meta.url})
