/**
 * `crust dev --validators 3`: three validator processes on the local spec author in Aura turns
 * and finalize over p2p; a storage node on the network registers through its own chain node,
 * which follows them.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectApi, type DevProcess, makeBasePath, startDev, waitFor } from '@crust-ts/testkit'

describe('crust dev --validators', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise

  before(async () => {
    await cryptoWaitReady()
    dev = await startDev(join(base.path, 'dev'), ['--validators', '3', '--storage-nodes', '1', '--no-gateway', '--block-time', '500', '--srd-units', '1'])
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await api?.disconnect()
    await dev?.stop()
    base.remove()
  })

  it('behavior: blocks come from several authors and are finalized; the storage node registers', async () => {
    // Aura: the PreRuntime digest carries the slot (u64 LE); its author is authorities[slot % 4].
    const authorsOf = async (from: number, to: number): Promise<Set<number>> => {
      const turns = new Set<number>()
      for (let n = from; n <= to; n++) {
        const header = await api.rpc.chain.getHeader(await api.rpc.chain.getBlockHash(n))
        const preRuntime = header.digest.logs.find((l) => l.isPreRuntime)
        assert.ok(preRuntime !== undefined, `block ${n} carries its slot`)
        turns.add(Number(Buffer.from(preRuntime.asPreRuntime[1].toU8a(true)).readBigUInt64LE(0) % 4n))
      }
      return turns
    }
    // Twelve finalized blocks in a row, counted once every validator is up (a validator that starts
    // late under load misses the first slots, so the first twelve blocks may have fewer authors).
    const turns = await waitFor(
      async () => {
        const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber()
        if (finalized < 12) return undefined
        const seen = await authorsOf(finalized - 11, finalized)
        return seen.size === 3 ? seen : undefined
      },
      'twelve finalized blocks in a row from three authors',
      120_000,
    )
    assert.equal(turns.size, 3, 'three of the four local authorities take turns; the fourth runs no validator')
    const bestHash = await api.rpc.chain.getFinalizedHead()
    assert.ok((await api.rpc.chain.getHeader(bestHash)).number.toNumber() >= 10)
    const node = dev.nodes[0]!
    await waitFor(
      async () => {
        const id = (await api.query.swork.identities(node.account)).toJSON() as { anchor?: string } | null
        return id?.anchor === undefined ? undefined : true
      },
      'the storage node identity',
      120_000,
    )
    // The storage node registered through its own chain node, which follows the validators' finality.
    const own = await connectApi(node.chainRpc)
    try {
      const final = (await api.rpc.chain.getHeader(bestHash)).number.toNumber()
      await waitFor(
        async () => ((await own.rpc.chain.getHeader(await own.rpc.chain.getFinalizedHead())).number.toNumber() >= final ? true : undefined),
        `the storage node's chain to finalize #${final}`,
        60_000,
      )
      assert.equal((await own.rpc.chain.getBlockHash(final)).toHex(), bestHash.toHex())
    } finally {
      await own.disconnect()
    }
  })
})
