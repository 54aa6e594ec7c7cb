#!/usr/bin/env -S node --
// The `--` stops Node 20 from reading kq's own --env-file flag as its option of the same name.
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
