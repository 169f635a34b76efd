/**
 * Block hooks are charged (issue #20): each on_initialize / on_finalize weighs the storage reads
 * and writes it makes (RocksDbWeight) and is registered, with the base block weight, as Mandatory
 * in System.BlockWeight; a Normal extrinsic is left out once the block's total would pass the
 * maximum, an Operational one still fits in its reserve; polkadot-js reads the item over RPC.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import type { Codec } from '@polkadot/types/types'
import { Keyring } from '@polkadot/keyring'
import { base58Encode, cryptoWaitReady } from '@polkadot/util-crypto'
import { createLogger } from '@crust-ts/base'
import { OverlayState } from '../src/frame/overlay.js'
import type { BlockContext } from '../src/frame/pallet.js'
import type { StorageAccess } from '../src/frame/storage.js'
import { BLOCK_EXECUTION_WEIGHT, DB_READ_WEIGHT, DB_WRITE_WEIGHT, HOOK_BASE_WEIGHT } from '../src/frame/weights.js'
import { upsertReplica } from '../src/pallets/market/index.js'
import { WorkReports } from '../src/pallets/swork/index.js'
import { BlockWeight } from '../src/pallets/system.js'
import { BlockExecutor, type HookWeight } from '../src/runtime/executive.js'
import type { Runtime } from '../src/runtime/runtime.js'
import { ChainNode } from '../src/node/chain-node.js'
import { builtinSpec } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'

/** Counts the accesses a hook makes through its context's state, apart from the overlay's own counters. */
function counting(state: StorageAccess) {
  const n = { reads: 0, writes: 0 }
  const wrapped: StorageAccess = {
    get: (k) => {
      n.reads++
      return state.get(k)
    },
    set: (k, v) => {
      n.writes++
      state.set(k, v)
    },
    delete: (k) => {
      n.writes++
      state.delete(k)
    },
  }
  return { n, wrapped }
}

/**
 * Initializes block `number` on a copy of `base` twice: as the executive does, and with every
 * hook's state wrapped in a counter of its own. Returns the executive's BlockWeight and charges,
 * and the independent counts.
 */
function initializeOnCopy(runtime: Runtime, base: StorageAccess, number: number, author: Uint8Array) {
  const env = { number, parentHash: new Uint8Array(32).fill(7), author, timestamp: BigInt(number * runtime.config.blockTimeMs) }
  const copy = new OverlayState((k) => base.get(k))
  const exec = new BlockExecutor(runtime, copy, env)
  exec.initialize()
  const counted: Array<{ pallet: string; reads: number; writes: number }> = []
  const wrappedRuntime = Object.create(runtime, {
    pallets: {
      value: runtime.pallets.map((p) => {
        const hook = p.onInitialize
        if (hook === undefined) return p
        return {
          ...p,
          onInitialize: (ctx: BlockContext) => {
            const { n, wrapped } = counting(ctx.state)
            hook({ ...ctx, state: wrapped })
            counted.push({ pallet: p.name, ...n })
          },
        }
      }),
    },
  }) as Runtime
  new BlockExecutor(wrappedRuntime, new OverlayState((k) => base.get(k)), env).initialize()
  return { weight: BlockWeight.get(copy), hooks: exec.hookWeights, counted }
}

const weightOf = (reads: number, writes: number) => HOOK_BASE_WEIGHT + BigInt(reads) * DB_READ_WEIGHT + BigInt(writes) * DB_WRITE_WEIGHT
const cidOf = (i: number) => new TextEncoder().encode(base58Encode(Uint8Array.of(0x12, 0x20, ...createHash('sha256').update(`weigh${i}`).digest())))

describe('block weight: hooks charged as Mandatory', () => {
  it('behavior: a block whose on_initialize ripens a queue page has Mandatory weight = base block + every hook, each hook its counted reads and writes', async () => {
    await cryptoWaitReady()
    const h = await RuntimeHarness.create()
    const keyring = new Keyring({ type: 'sr25519' })
    const alice = keyring.addFromUri('//Alice').publicKey
    const bob = keyring.addFromUri('//Bob').publicKey
    h.startBlock()
    h.call(ROOT, 'Market', 'set_spower_superior', { superior: alice })
    h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 5 })
    const cids = Array.from({ length: 80 }, (_, i) => cidOf(i))
    for (const cid of cids) {
      assert.equal(h.call(signed(alice), 'Market', 'place_storage_order', { cid, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() }), undefined)
    }
    const anchor = new Uint8Array(64).fill(1)
    WorkReports.insert(h.state, anchor, {
      report_slot: 0n,
      spower: 80_000n,
      free: 0n,
      reported_files_size: 0n,
      reported_srd_root: new Uint8Array(),
      reported_files_root: new Uint8Array(),
    })
    const createdAt = h.number
    const ctx = { state: h.state, config: h.runtime.config, blockNumber: createdAt, deposit: () => {} }
    for (const cid of cids) upsertReplica(ctx, { reporter: bob, owner: bob, cid, fileSize: 1000n, validAt: createdAt, anchor })
    h.endBlock()
    h.runTo(createdAt + 4)

    // Block createdAt + 5: the sweep ripens a page of 64 files (RIPEN_FILES_PER_BLOCK).
    const { weight, hooks, counted } = initializeOnCopy(h.runtime, h.state, createdAt + 5, alice)
    assert.deepEqual(
      hooks.map((x) => [x.pallet, x.reads, x.writes]),
      counted.map((x) => [x.pallet, x.reads, x.writes]),
      "the executive's counts are the accesses the hooks make",
    )
    for (const x of hooks) assert.equal(x.weight, weightOf(x.reads, x.writes), `${x.pallet}: base + reads × 25 µs + writes × 100 µs`)
    const market = hooks.find((x: HookWeight) => x.pallet === 'Market')!
    assert.ok(market.reads >= 64 && market.writes >= 64, `the ripening page reads and writes each file: ${market.reads} reads, ${market.writes} writes`)
    const total = hooks.reduce((sum, x) => sum + x.weight, BLOCK_EXECUTION_WEIGHT)
    assert.equal(weight.mandatory.ref_time, total, 'Mandatory = base block weight + every hook')
    assert.equal(weight.normal.ref_time, 0n)
    assert.equal(weight.operational.ref_time, 0n)

    // A block with nothing to ripen weighs less: the weight follows the work.
    const idle = initializeOnCopy(h.runtime, h.state, createdAt + 3, alice)
    assert.ok(idle.weight.mandatory.ref_time < weight.mandatory.ref_time)
    assert.ok(idle.weight.mandatory.ref_time > BLOCK_EXECUTION_WEIGHT)
  })

  it('behavior: the block weight is written at initialize, counts inherent and extrinsics by class at finalize, and the next block replaces it', async () => {
    const h = await RuntimeHarness.create()
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice')
    h.startBlock()
    const initialized = BlockWeight.get(h.state)
    assert.ok(initialized.mandatory.ref_time > BLOCK_EXECUTION_WEIGHT)
    assert.equal(h.submit(alice, 'System', 'remark', { remark: new Uint8Array(4) }).outcome.included, true)
    h.endBlock()
    const ended = BlockWeight.get(h.state)
    const remark =
      h.runtime.config.extrinsicBaseWeight + h.runtime.callInfo({ tag: 'System', value: { tag: 'remark', value: { remark: new Uint8Array() } } }).weight
    assert.equal(ended.normal.ref_time, remark)
    assert.ok(ended.mandatory.ref_time >= initialized.mandatory.ref_time, 'on_finalize hooks add to Mandatory')
    h.startBlock()
    assert.equal(BlockWeight.get(h.state).normal.ref_time, 0n, "the next block's initialize starts from zero")
    h.endBlock()
  })

  it("behavior: when the hooks' weight and a Normal extrinsic would pass max_block the extrinsic is left out ('full'); an Operational one fits in its reserve", async () => {
    await cryptoWaitReady()
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice')
    // The first block's Mandatory weight (base block + hooks), the same whatever the block maximum.
    const probe = await RuntimeHarness.create()
    probe.startBlock()
    const mandatory = BlockWeight.get(probe.state).mandatory.ref_time
    const remark = probe.runtime.config.extrinsicBaseWeight + 1_815_000n
    // A block just too small for the hooks and the remark, with room for both in the normal class.
    const maxBlockWeight = mandatory + remark / 2n
    const h = await RuntimeHarness.create({ config: { maxBlockWeight } })
    h.startBlock()
    assert.equal(BlockWeight.get(h.state).mandatory.ref_time, mandatory)
    assert.ok(remark <= (maxBlockWeight * 75n) / 100n, 'the remark alone fits the normal class')
    const normal = h.submit(alice, 'System', 'remark', { remark: new Uint8Array(4) })
    assert.deepEqual(normal.outcome, { included: false, reason: 'full' })
    // utility.batch([]) is Operational (as pallet_utility classes an empty batch).
    const batch = { calls: [] }
    assert.equal(h.runtime.callInfo({ tag: 'Utility', value: { tag: 'batch', value: batch } }).class, 'Operational')
    const operational = h.submit(alice, 'Utility', 'batch', batch)
    assert.equal(operational.outcome.included, true, 'Operational uses its 25 % reserve')
    h.endBlock()
    const w = BlockWeight.get(h.state)
    assert.equal(w.normal.ref_time, 0n)
    assert.ok(w.operational.ref_time > 0n)
    assert.ok(w.mandatory.ref_time + w.operational.ref_time > maxBlockWeight, 'the block is over its maximum, in the reserve')
  })
})

describe('block weight over RPC', () => {
  it('behavior: @polkadot/api decodes system.blockWeight (Substrate key and type) and consts.system.blockWeights', async () => {
    await cryptoWaitReady()
    const basePath = mkdtempSync(join(tmpdir(), 'crust-block-weight-'))
    const node = await ChainNode.create({
      spec: builtinSpec('dev')!,
      basePath,
      rpc: { host: '127.0.0.1', port: 0 },
      blockTimeMs: 300,
      author: true,
      logger: createLogger({ level: 'silent' }),
    })
    let api: ApiPromise | undefined
    try {
      const { rpc } = await node.start()
      api = await ApiPromise.create({
        provider: new WsProvider(`ws://127.0.0.1:${rpc.port}`) as unknown as ApiOptions['provider'],
        noInitWarn: true,
      } as ApiOptions)
      const client = api
      const head = await new Promise<number>((resolve) => {
        const unsub = client.rpc.chain.subscribeNewHeads((header) => {
          if (header.number.toNumber() >= 2) {
            void unsub.then((u) => u())
            resolve(header.number.toNumber())
          }
        })
      })
      assert.ok(head >= 2)
      const hash = await client.rpc.chain.getBlockHash(head)
      const at = await client.at(hash)
      // What @polkadot/api decodes, read through its generic Codec fields (no type augmentation here).
      type W = { refTime: { toBigInt(): bigint } }
      type PerClass<T> = Codec & { normal: T; operational: T; mandatory: T }
      type Opt<T> = { unwrap(): T }
      const weight = (await at.query.system.blockWeight!()) as PerClass<W>
      assert.equal(
        client.registry.lookup.getTypeDef(client.query.system!.blockWeight!.creator.meta.type.asPlain).lookupName,
        'FrameSupportDispatchPerDispatchClassWeight',
      )
      const mandatory = weight.mandatory.refTime.toBigInt()
      assert.ok(mandatory > BLOCK_EXECUTION_WEIGHT, `mandatory ${mandatory}: the base block weight, the hooks and the timestamp inherent`)
      assert.equal(weight.normal.refTime.toBigInt(), 0n)
      const key = client.query.system!.blockWeight!.key()
      // twox128("System") ++ twox128("BlockWeight"), as on every Substrate chain.
      assert.equal(key, '0x26aa394eea5630e07c48ae0c9558cef734abf5cb34d6244378cddbf18e849d96')
      const limits = client.consts.system!.blockWeights as unknown as { maxBlock: W; perClass: PerClass<{ maxTotal: Opt<W>; reserved: Opt<W> }> }
      assert.equal(limits.maxBlock.refTime.toBigInt(), 2_000_000_000_000n)
      assert.equal(limits.perClass.normal.maxTotal.unwrap().refTime.toBigInt(), 1_500_000_000_000n)
      assert.equal(limits.perClass.operational.reserved.unwrap().refTime.toBigInt(), 500_000_000_000n)
    } finally {
      await api?.disconnect()
      await node.stop()
      rmSync(basePath, { recursive: true, force: true })
    }
  })
})
