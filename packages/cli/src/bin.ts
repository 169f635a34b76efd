#!/usr/bin/env node
// The resolution hook goes first, and the program is imported only after it is registered: a
// static import would resolve the whole module graph before any of this file's code runs.
import './register-resolve-cache.js'

const { main } = await import('./program.js')
const code = await main(process.argv.slice(2))
if (code !== 0) process.exitCode = code
