import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chainOptions } from '../src/commands/order-node.js'
import { runInProcess } from './fixtures/in-process.js'

const run = runInProcess

const A = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const B = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'

describe('crust order-node --evm-rpc/--contract pairs', () => {
  it('behavior: one pair is one chain; repeated pairs are paired in the order given', () => {
    assert.deepEqual(chainOptions({ evmRpc: 'http://a', contract: A }), [{ rpc: 'http://a', contract: A }])
    assert.deepEqual(chainOptions({ evmRpc: ['http://a', 'http://b'], contract: [A, B] }), [
      { rpc: 'http://a', contract: A },
      { rpc: 'http://b', contract: B },
    ])
  })

  it('error: unequal counts of --evm-rpc and --contract are one line naming both counts, exit 1', async () => {
    const { code, stderr } = await run(['order-node', '--evm-rpc', 'http://a', '--evm-rpc', 'http://b', '--contract', A, '--evm-key-file', '/nonexistent'])
    assert.equal(code, 1)
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr)
    assert.match(stderr, /--evm-rpc and --contract come in pairs/)
    assert.match(stderr, /got 2 --evm-rpc and 1 --contract/)
  })

  it('error: a --contract that is not an address is named, whichever pair it is in', () => {
    assert.throws(
      () => chainOptions({ evmRpc: ['http://a', 'http://b'], contract: [A, '0x12'] }),
      (err: Error & { code?: string }) => err.code === 'CLI_ERROR_EVM_ADDRESS' && /0x12 is not an EVM address/.test(err.message),
    )
  })
})
