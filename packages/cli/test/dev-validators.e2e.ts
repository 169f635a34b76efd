/**
 * `crust dev --validators 4`: four validator processes on the local spec (with 10-block report
 * slots) author in Aura turns and finalize over p2p; a storage node on the network registers
 * through its own chain node, which follows them, and stores a file uploaded through it.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import { connectApi, type DevProcess, makeBasePath, devArgs, startDev, waitFor } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'

const REPORT_SLOT = 10

describe('crust dev --validators', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise

  before(async () => {
    await cryptoWaitReady()
    // The local spec (its four authorities are crust dev's validator keys) with short report slots.
    const spec = join(base.path, 'local.json')
    writeFileSync(spec, JSON.stringify({ ...builtinSpec('local')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: 600, eraLength: 360 } }))
    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, validators: 4, storageNodes: 1, srdUnits: 1, gateway: false }))
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
        return seen.size === 4 ? seen : undefined
      },
      'twelve finalized blocks in a row from four authors',
      120_000,
    )
    assert.equal(turns.size, 4, 'the four local authorities take turns')
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

  it('behavior: a file uploaded through the storage node while four validators run gets its reported replica and comes back identical', async () => {
    const node = dev.nodes[0]!
    const bytes = randomBytes(1024 * 1024)
    const file = join(base.path, 'data.bin')
    writeFileSync(file, bytes)
    const run = await runCrust([
      'upload',
      file,
      '--api',
      node.ipfsApi,
      '--chain',
      dev.chainRpc,
      '--account',
      '//Ferdie',
      '--replicas',
      '1',
      '--timeout',
      '240000',
    ])
    assert.equal(run.code, 0, run.stderr)
    const cid = /^cid\s+(\S+)$/m.exec(run.stdout)?.[1]
    assert.ok(cid !== undefined, run.stdout)
    const info = (await api.query.market.filesV2(cid)).toJSON() as {
      reportedReplicaCount: number
      replicas: Record<string, { who: string; isReported: boolean }>
    }
    assert.equal(info.reportedReplicaCount, 1)
    assert.deepEqual(
      Object.values(info.replicas).map((r) => [r.who, r.isReported]),
      [[node.account, true]],
    )
    const res = await fetch(`${node.gateway}/ipfs/${cid}`)
    assert.equal(res.status, 200)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes)
  })
})
