// Imported first by every entry point: see ./esm-resolve-cache.ts.
import { registerHooks } from 'node:module'
import { resolveWithCache } from './esm-resolve-cache.js'

registerHooks({ resolve: resolveWithCache })
