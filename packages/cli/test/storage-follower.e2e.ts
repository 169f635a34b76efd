/**
 * `crust node --mode ... --chain <spec> --bootnodes <validator>`: a storage node that runs its own
 * chain node and reaches the chain only over p2p. An owner node (no IPFS: the chain node gets a
 * host of its own) creates its group through it; asking for both a chain RPC and a chain node is
 * refused with one readable line.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { connectApi, type NodeProcess, waitFor } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'
import { StorageTestbed } from './fixtures/storage-process.js'

describe('crust node --mode with its own chain node', () => {
  // Storage nodes a test left running are killed (the clean SIGTERM stop is what a test checks).
  const bed = new StorageTestbed({
    name: 'validator',
    nodeArgs: ['--validator', '//Alice//stash', '--p2p-port', '0', '--p2p-host', '127.0.0.1'],
    stopSignal: 'SIGKILL',
  })
  let validator: NodeProcess
  let api: ApiPromise
  let bootnodes: string[]
  const spec = bed.spec
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })

  before(async () => {
    const started = await bed.start()
    validator = started.chain
    api = started.api
    bootnodes = await waitFor(async () => {
      for (const line of validator.logs) {
        if (!line.includes('"on the p2p network')) continue
        return (JSON.parse(line) as { p2p: string[] }).p2p
      }
      return undefined
    }, "the validator's p2p addresses")
  })

  after(async () => {
    await bed.close()
  })

  it('behavior: an owner node creates its group through its own chain node, then stops cleanly on SIGTERM', async () => {
    const dave = keyring.addFromUri('//Dave').address
    const alice = keyring.addFromUri('//Alice').address
    const owner = await bed.storage<{ chainRpc: string; multiaddrs?: string[] }>([
      '--mode',
      'owner',
      '--chain',
      spec,
      '--bootnodes',
      ...bootnodes,
      '--block-time',
      '500',
      '--account',
      '//Alice',
      '--members',
      dave,
      '--base-path',
      join(bed.base.path, 'owner'),
      '--metrics-port',
      '0',
      '--swarm-port',
      '0',
      '--swarm-host',
      '127.0.0.1',
    ])
    assert.notEqual(owner.endpoints.chainRpc, validator.url)
    assert.match(owner.endpoints.chainRpc, /^ws:\/\/127\.0\.0\.1:\d+$/)
    // Ready means synced and the group done: both are on the validator's chain.
    const group = (await api.query.swork.groups(alice)).toJSON() as { allowlist: string[] } | null
    assert.deepEqual(group?.allowlist, [dave])
    const own = await connectApi(owner.endpoints.chainRpc)
    try {
      const ownFinal = (await own.rpc.chain.getHeader(await own.rpc.chain.getFinalizedHead())).number.toNumber()
      assert.ok(ownFinal > 0, 'its chain node follows finality')
      assert.equal((await own.rpc.chain.getBlockHash(ownFinal)).toHex(), (await api.rpc.chain.getBlockHash(ownFinal)).toHex())
    } finally {
      await own.disconnect()
    }
    owner.child.kill('SIGTERM')
    assert.equal(await owner.exited, 0)
  })

  it('error: a chain RPC and a chain node together, or a chain node without bootnodes, is one readable line', async () => {
    const both = await runCrust([
      'node',
      '--mode',
      'isolation',
      '--account',
      '//Bob',
      '--chain-rpc',
      validator.url,
      '--bootnodes',
      ...bootnodes,
      '--base-path',
      join(bed.base.path, 'x'),
    ])
    assert.equal(both.code, 1)
    assert.match(both.stderr, /^error: chain: give either --chain-rpc .* not both \(NODE_ERROR_CONFIG\)\n$/)
    const lonely = await runCrust(['node', '--mode', 'isolation', '--account', '//Bob', '--chain', spec, '--base-path', join(bed.base.path, 'y')])
    assert.equal(lonely.code, 1)
    assert.match(lonely.stderr, /^error: chain\.bootnodes: /)
  })
})
