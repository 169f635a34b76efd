#!/usr/bin/env node
// The `crust` command. A committed shim, so that `npm ci` can link the bin before the build has
// produced dist/ (npm skips links to missing files); the code is the compiled TypeScript.
await import('../dist/src/bin.js')
