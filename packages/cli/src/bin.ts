#!/usr/bin/env node
import { guardLmdbCommitFailures } from '@crust-ts/base'
import { main } from './program.js'

guardLmdbCommitFailures((message) => process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), component: 'lmdb', msg: message })}\n`))
const code = await main(process.argv.slice(2))
if (code !== 0) process.exitCode = code
