import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_RPC_CORS } from '@crust-ts/chain'
import { rpcCorsOption } from '../src/commands/node.js'
import { CliError } from '../src/errors.js'

describe('crust node --rpc-cors and --console-port', () => {
  it('behavior: no flags keep the server default; --rpc-cors is parsed; the console adds its origins', () => {
    assert.equal(rpcCorsOption(undefined, undefined), undefined)
    assert.equal(rpcCorsOption('all', 3001), 'all')
    assert.deepEqual(rpcCorsOption('https://apps.example', undefined), ['https://apps.example'])
    assert.deepEqual(rpcCorsOption('https://apps.example', 3001), ['https://apps.example', 'http://127.0.0.1:3001', 'http://localhost:3001'])
    assert.deepEqual(rpcCorsOption(undefined, 3001), [...DEFAULT_RPC_CORS, 'http://127.0.0.1:3001', 'http://localhost:3001'])
  })

  it('error: a value that is not an origin is a CliError naming the flag', () => {
    assert.throws(
      () => rpcCorsOption('apps.example', undefined),
      (err: unknown) => err instanceof CliError && err.code === 'CLI_ERROR_BAD_RPC_CORS' && /--rpc-cors/.test(err.message),
    )
  })
})
