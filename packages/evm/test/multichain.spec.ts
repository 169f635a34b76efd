/**
 * Several EVM chains in one order node: the processors of two fake chains share one fake Crust
 * account (a pool that takes each nonce once) and one real LMDB store in a temporary folder.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { type EventRecord, EventStore, eventKey, NonceAllocator, OrderProcessor, startOrderNode } from '../src/index.js'
import { FakeCrust, FakeEvm, MERCHANT } from './fakes.js'

/** A CID-looking name per chain and event (the fake sink checks only the `Qm` prefix). */
const cidOf = (chainId: number, i: number) => `QmChain${chainId}Event${i}`

/**
 * A Crust account's transaction pool: each nonce is taken once (a second transaction with it is
 * refused, as Substrate's pool refuses one it cannot replace), and a transaction waits in the pool
 * until the nonces before it are included. Checks each order's nonce is on its record before it is sent.
 */
class PoolCrust extends FakeCrust {
  private readonly waiting = new Map<number, () => void>()
  refused: Array<{ cid: string; nonce: number }> = []
  /** When set, each order's record is checked before it is sent. */
  store: EventStore | undefined

  override async place(record: EventRecord, nonce: number) {
    if (this.store !== undefined) {
      const stored = this.store.get(eventKey(record.chainId, record.txHash, record.logIndex))
      assert.equal(stored?.state, 'ordering', 'recorded before it is sent')
      assert.equal(stored?.nonce, nonce, 'sent with the nonce recorded')
    }
    if (nonce < this.nonce || this.waiting.has(nonce)) {
      this.refused.push({ cid: record.cid, nonce })
      throw new Error(`1014: Priority is too low (nonce ${nonce} is taken)`)
    }
    if (nonce > this.nonce) await new Promise<void>((resolve) => this.waiting.set(nonce, resolve))
    this.waiting.delete(nonce)
    this.placed.push({ cid: record.cid, nonce })
    this.nonce++
    this.waiting.get(this.nonce)?.()
    return { blockHash: `0x${(100 + nonce).toString(16).padStart(64, '0')}`, blockNumber: 100 + nonce }
  }
}

describe('order node over several EVM chains', () => {
  let dir: string
  let store: EventStore | undefined
  let crust: PoolCrust

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'order-node-chains-'))
    crust = new PoolCrust()
  })
  afterEach(async () => {
    await store?.close()
    store = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('two processors on one Crust account run side by side: every event gets its own nonce, consecutive, and is ordered once in the first round', async () => {
    store = EventStore.open(dir)
    crust.store = store
    const chains = [new FakeEvm(1), new FakeEvm(10)]
    for (const evm of chains) evm.mine([0, 1, 2].map((i) => cidOf(evm.chainId, i)))
    const processors = chains.map(
      (evm) => new OrderProcessor({ store: store!, source: evm, sink: crust, merchant: MERCHANT, confirmations: 1, fromBlock: 0, backoffMs: 10 }),
    )
    await Promise.all(processors.map((p) => p.tick()))
    assert.deepEqual(crust.refused, [], 'no nonce was sent twice')
    assert.deepEqual(
      crust.placed.map((p) => p.nonce),
      [0, 1, 2, 3, 4, 5],
    )
    assert.deepEqual(crust.placed.map((p) => p.cid).sort(), [1, 10].flatMap((id) => [0, 1, 2].map((i) => cidOf(id, i))).sort())
    const records = store.all()
    assert.equal(records.length, 6)
    assert.deepEqual(
      records.map((r) => [r.chainId, r.state, r.attempts]),
      [1, 1, 1, 10, 10, 10].map((id) => [id, 'ordered', 0]),
    )
    assert.deepEqual(records.map((r) => r.nonce).sort(), [0, 1, 2, 3, 4, 5])
  })

  it('startOrderNode with two chains orders every event of both exactly once, with distinct consecutive nonces, and keeps a cursor per chain', async () => {
    const chains = [new FakeEvm(1), new FakeEvm(10)]
    for (const evm of chains) evm.mine([0, 1].map((i) => cidOf(evm.chainId, i)))
    const ordered: EventRecord[] = []
    let reached: () => void
    const all = new Promise<void>((resolve) => {
      reached = resolve
    })
    const total = 8
    const node = await startOrderNode({
      source: chains,
      sink: crust,
      dataDir: dir,
      merchant: MERCHANT,
      confirmations: 1,
      pollMs: 5,
      fromBlock: 0,
      port: 0,
      host: '127.0.0.1',
      backoffMs: 10,
      onChange: (r) => {
        if (r.state === 'ordered') ordered.push(r)
        if (ordered.length === total) reached()
      },
    })
    try {
      // More events on both chains while the node runs.
      for (const evm of chains) evm.mine([2, 3].map((i) => cidOf(evm.chainId, i)))
      await all
      const res = await fetch(`${node.url}/events`)
      const { events } = (await res.json()) as { events: EventRecord[] }
      assert.equal(events.length, total)
      assert.ok(events.every((e) => e.state === 'ordered'))
    } finally {
      await node.close()
    }
    assert.deepEqual(
      crust.placed.map((p) => p.nonce),
      [0, 1, 2, 3, 4, 5, 6, 7],
    )
    assert.deepEqual(
      crust.placed.map((p) => p.cid).sort(),
      [1, 10].flatMap((id) => [0, 1, 2, 3].map((i) => cidOf(id, i))).sort(),
      'each event ordered exactly once',
    )
    store = EventStore.open(dir)
    assert.deepEqual(
      store.all().map((r) => [r.chainId, r.cid]),
      [1, 10].flatMap((id) => [0, 1, 2, 3].map((i) => [id, cidOf(id, i)])),
    )
    // Each chain's head is block 2; with one confirmation the cursor stops one below it.
    assert.equal(store.cursor(1), 1)
    assert.equal(store.cursor(10), 1)
  })

  it('startOrderNode refuses the same chain twice (it would share one scan cursor)', async () => {
    await assert.rejects(
      startOrderNode({
        source: [new FakeEvm(5), new FakeEvm(5)],
        sink: crust,
        dataDir: dir,
        merchant: MERCHANT,
        confirmations: 1,
        pollMs: 5,
        port: 0,
        host: '127.0.0.1',
      }),
      (err: Error & { code?: string }) => err.code === 'EVM_ERROR_ORDER_NODE' && /chain 5 is given twice/.test(err.message),
    )
  })
})

describe('NonceAllocator', () => {
  it("runs on from the account's next nonce, skips nonces of recorded orders, and hands out a nonce given back before a new one", async () => {
    const account = { next: 3, nextNonce: async () => account.next }
    const nonces = new NonceAllocator(account)
    nonces.hold([4])
    const taken = await Promise.all([nonces.take(), nonces.take(), nonces.take()])
    assert.deepEqual(taken, [3, 5, 6], 'concurrent takes get distinct nonces; 4 belongs to a recorded order')
    nonces.give(5)
    assert.equal(await nonces.take(), 5, 'a nonce never recorded fills its gap')
    assert.equal(await nonces.take(), 7)
    account.next = 9
    assert.equal(await nonces.take(), 9, "the account's nonce moved past ours (another client sent)")
  })

  it('is one per sink: processors given the same sink share it', () => {
    const sink = new FakeCrust()
    assert.equal(NonceAllocator.of(sink), NonceAllocator.of(sink))
    assert.notEqual(NonceAllocator.of(sink), NonceAllocator.of(new FakeCrust()))
  })
})
