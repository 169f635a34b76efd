import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { NodeConfigError, readConfigFile, resolveConfig } from '../src/config.js'

const BOOTNODE = '/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWJ2ZbwqCowxR8YvEwbj63FWT5ByUL2UUfVWtX2se5uFTN'
const account = { suri: '//Bob' }

describe('storage node config: the way to the chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-config-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('behavior: --chain-rpc alone uses that RPC and runs no chain node', () => {
    const c = resolveConfig(dir, { account, chainRpc: 'ws://127.0.0.1:9944' })
    assert.equal(c.chainRpc, 'ws://127.0.0.1:9944')
    assert.equal(c.chain, undefined)
  })

  it('behavior: an embedded chain node gets its defaults (free loopback RPC port) and merges file and flags', () => {
    const file = join(dir, 'node.json')
    writeFileSync(file, JSON.stringify({ chain: { spec: 'local', blockTimeMs: 1000 } }))
    const c = resolveConfig(dir, readConfigFile(file), { account, chain: { bootnodes: [BOOTNODE], rpcPort: undefined } })
    assert.deepEqual(c.chain, { spec: 'local', bootnodes: [BOOTNODE], rpcHost: '127.0.0.1', rpcPort: 0, blockTimeMs: 1000, pruning: '256' })
    assert.equal(c.chainRpc, undefined)
  })

  it('error: neither a chain RPC nor a chain node is one readable NodeConfigError', () => {
    assert.throws(
      () => resolveConfig(dir, { account }),
      (err: unknown) => err instanceof NodeConfigError && /--chain <spec> --bootnodes .* or --chain-rpc <url>/.test(err.message),
    )
  })

  it('error: both a chain RPC and a chain node', () => {
    assert.throws(
      () => resolveConfig(dir, { account, chainRpc: 'ws://127.0.0.1:9944', chain: { spec: 'dev', bootnodes: [BOOTNODE] } }),
      /either --chain-rpc .* not both/,
    )
  })

  it('error: a chain node without bootnodes, or with a bootnode that is no p2p multiaddr', () => {
    assert.throws(() => resolveConfig(dir, { account, chain: { spec: 'dev' } }), /chain\.bootnodes: .*give --bootnodes/)
    assert.throws(() => resolveConfig(dir, { account, chain: { spec: 'dev', bootnodes: ['ws://127.0.0.1:9944'] } }), /is not a multiaddr like/)
  })

  it('behavior: the chain node keeps --pruning archive or a number; anything else is one readable NodeConfigError', () => {
    assert.equal(resolveConfig(dir, { account, chain: { spec: 'dev', bootnodes: [BOOTNODE], pruning: 'archive' } }).chain?.pruning, 'archive')
    assert.equal(resolveConfig(dir, { account, chain: { spec: 'dev', bootnodes: [BOOTNODE], pruning: '64' } }).chain?.pruning, '64')
    assert.throws(
      () => resolveConfig(dir, { account, chain: { spec: 'dev', bootnodes: [BOOTNODE], pruning: '0' } }),
      (err: unknown) => err instanceof NodeConfigError && /chain\.pruning: expected 'archive' or a number/.test(err.message),
    )
  })

  it('error: an unknown key under chain names its path', () => {
    const file = join(dir, 'typo.json')
    writeFileSync(file, JSON.stringify({ chain: { bootnode: [BOOTNODE] } }))
    assert.throws(() => readConfigFile(file), /\$\.chain\.bootnode: unknown key/)
  })
})
