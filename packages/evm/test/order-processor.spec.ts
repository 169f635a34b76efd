/**
 * The order node's state machine against a fake EVM chain and a fake Crust account (the seams
 * `EvmSource` and `CrustSink`), on a real LMDB store in a temporary folder.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  type CrustSink,
  type EventRecord,
  EventStore,
  type EvmSource,
  eventKey,
  OrderProcessor,
  type OrderLog,
  PermanentOrderError,
  type PlacedLookup,
} from '../src/index.js'

const MERCHANT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const hashOf = (n: number, fork = 0) => `0x${(n * 1000 + fork).toString(16).padStart(64, '0')}`

/** An EVM chain as a list of block hashes and the Order logs in each. */
class FakeEvm implements EvmSource {
  readonly chainId = 7
  blocks: Array<{ hash: string; logs: OrderLog[] }> = [{ hash: hashOf(0), logs: [] }]
  fork = 0
  async head() {
    return this.blocks.length - 1
  }
  async orders(from: number, to: number) {
    return this.blocks.slice(from, to + 1).flatMap((b) => b.logs)
  }
  async ordersInBlock(n: number, hash: string) {
    return this.blocks[n]?.hash === hash ? this.blocks[n]!.logs : undefined
  }
  mine(cids: string[] = [], merchant = MERCHANT, isPermanent = false): OrderLog[] {
    const n = this.blocks.length
    const hash = hashOf(n, this.fork)
    const logs = cids.map((cid, i) => ({
      txHash: `0x${(n * 100 + i + 1).toString(16).padStart(64, '0')}`,
      logIndex: i,
      blockNumber: n,
      blockHash: hash,
      customer: '0x0000000000000000000000000000000000000001',
      merchant,
      cid,
      size: 1000n,
      price: 5n,
      isPermanent,
    }))
    this.blocks.push({ hash, logs })
    return logs
  }
  /** Drops blocks after `n` (the next ones mined are a fork). */
  revert(n: number) {
    this.blocks = this.blocks.slice(0, n + 1)
    this.fork++
  }
}

/** A Crust account: a nonce, the orders included, and a switch for transient failures. */
class FakeCrust implements CrustSink {
  nonce = 0
  placed: Array<{ cid: string; nonce: number; prepaid?: string }> = []
  /** One renewal's price at the fees of block `block`. */
  renewal = 7n
  block = 100
  failNext = 0
  /** Includes the transaction, then fails as a crash after sending would. */
  crashAfterInclusion = false
  /** When set, inclusion waits for it (transactions in flight). */
  gate: Promise<void> | undefined
  async check(record: EventRecord) {
    if (!record.cid.startsWith('Qm')) throw new PermanentOrderError('SDK_ERROR_BAD_CID', `"${record.cid}" is not a valid CID`)
  }
  async nextNonce() {
    return this.nonce
  }
  async chainNonce() {
    return this.nonce
  }
  async bestBlock() {
    return this.block
  }
  async renewalPrice() {
    return { price: this.renewal, atBlock: this.block }
  }
  async place(record: EventRecord, nonce: number) {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('connection reset')
    }
    assert.equal(nonce, this.nonce, 'sent with the nonce recorded')
    this.placed.push({ cid: record.cid, nonce, ...(record.prepaid === undefined ? {} : { prepaid: record.prepaid }) })
    this.nonce++
    await this.gate
    if (this.crashAfterInclusion) throw new Error('crashed after sending')
    return { blockHash: hashOf(100 + nonce), blockNumber: 100 + nonce }
  }
  async findPlaced(record: EventRecord, nonce: number): Promise<PlacedLookup> {
    const tx = this.placed.find((p) => p.nonce === nonce)
    if (tx === undefined) return { kind: 'unknown' }
    return tx.cid === record.cid ? { kind: 'ours', blockHash: hashOf(100 + nonce), blockNumber: 100 + nonce } : { kind: 'other' }
  }
}

describe('order node state machine', () => {
  let dir: string
  let store: EventStore
  let evm: FakeEvm
  let crust: FakeCrust
  let now = 0
  const processor = (confirmations = 3) =>
    new OrderProcessor({ store, source: evm, sink: crust, merchant: MERCHANT, confirmations, fromBlock: 0, backoffMs: 10, now: () => now })
  const state = (log: OrderLog) => store.get(eventKey(evm.chainId, log.txHash, log.logIndex))

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'order-node-'))
    store = EventStore.open(dir, () => now)
    evm = new FakeEvm()
    crust = new FakeCrust()
    now = 0
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('waits for the confirmations, then orders once; events to another merchant are ignored', async () => {
    const p = processor(3)
    const [log] = evm.mine([CID])
    evm.mine([CID], '0x0000000000000000000000000000000000000002')
    await p.tick()
    assert.equal(state(log!)?.state, 'seen')
    assert.equal(crust.placed.length, 0)
    evm.mine()
    await p.tick()
    assert.equal(state(log!)?.state, 'ordered')
    evm.mine()
    await p.tick()
    await p.tick()
    assert.deepEqual(crust.placed, [{ cid: CID, nonce: 0 }])
    assert.equal(store.all().length, 1)
  })

  it('an event whose block is reorged away before its confirmations is not ordered', async () => {
    const p = processor(3)
    const [log] = evm.mine([CID])
    await p.tick()
    assert.equal(state(log!)?.state, 'seen')
    evm.revert(0)
    evm.mine()
    evm.mine()
    evm.mine()
    await p.tick()
    assert.equal(state(log!)?.state, 'reorged')
    assert.match(state(log!)?.reason ?? '', /canonical chain/)
    assert.equal(crust.placed.length, 0)
  })

  it('an invalid CID fails for good with the reason, and is not sent', async () => {
    const p = processor(1)
    const [log] = evm.mine(['not-a-cid'])
    await p.tick()
    await p.tick()
    assert.equal(state(log!)?.state, 'failed')
    assert.match(state(log!)?.reason ?? '', /SDK_ERROR_BAD_CID/)
    assert.equal(crust.placed.length, 0)
  })

  it('a transient error is retried after the backoff with the same nonce', async () => {
    const p = processor(1)
    crust.failNext = 1
    const [log] = evm.mine([CID])
    await p.tick()
    assert.equal(state(log!)?.state, 'ordering')
    assert.equal(state(log!)?.attempts, 1)
    await p.tick() // before the backoff: nothing sent
    assert.equal(crust.placed.length, 0)
    now += 10
    await p.tick()
    assert.equal(state(log!)?.state, 'ordered')
    assert.deepEqual(crust.placed, [{ cid: CID, nonce: 0 }])
  })

  it('after a crash once the order was sent, the order is found on chain and not sent again', async () => {
    crust.crashAfterInclusion = true
    const [log] = evm.mine([CID])
    await processor(1).tick()
    assert.equal(state(log!)?.state, 'ordering')
    assert.equal(crust.placed.length, 1)
    // A new process on the same store.
    crust.crashAfterInclusion = false
    now += 1000
    await processor(1).tick()
    assert.equal(state(log!)?.state, 'ordered')
    assert.equal(crust.placed.length, 1)
  })

  it('a nonce taken by another transaction before ours was sent: ordered with a fresh nonce', async () => {
    crust.failNext = 1
    const [log] = evm.mine([CID])
    await processor(1).tick()
    assert.equal(state(log!)?.nonce, 0)
    crust.placed.push({ cid: 'QmOther', nonce: 0 })
    crust.nonce = 1
    now += 1000
    await processor(1).tick()
    assert.equal(state(log!)?.state, 'ordered')
    assert.equal(state(log!)?.nonce, 1)
    assert.deepEqual(
      crust.placed.filter((p) => p.cid === CID),
      [{ cid: CID, nonce: 1 }],
    )
  })

  it('a re-order after another transaction took the nonce keeps every history entry, the reason it went back to seen included', async () => {
    crust.failNext = 1
    const [log] = evm.mine([CID])
    await processor(1).tick()
    const before = state(log!)!.history
    crust.placed.push({ cid: 'QmOther', nonce: 0 })
    crust.nonce = 1
    now += 1000
    await processor(1).tick()
    const after = state(log!)!
    assert.equal(after.state, 'ordered')
    assert.deepEqual(after.history.slice(0, before.length), before, 'the history before the re-order is kept')
    assert.deepEqual(
      after.history.slice(before.length).map((h) => [h.state, h.reason]),
      [
        ['seen', 'nonce 0 was used by another transaction'],
        ['ordering', undefined],
        ['ordered', undefined],
      ],
    )
  })

  it('an update from an older copy of a record is merged onto the stored record: fields and history written since are kept', async () => {
    const [log] = evm.mine([CID])
    const stale = await store.create(evm.chainId, log!)
    now = 1
    await store.update(stale, 'ordering', { nonce: 4, sentAfterBlock: 9 })
    now = 2
    const updated = await store.update(stale, 'ordering', { attempts: 1 }, 'will retry: connection reset')
    assert.deepEqual(store.get(eventKey(evm.chainId, log!.txHash, log!.logIndex)), updated)
    assert.equal(updated.nonce, 4)
    assert.equal(updated.sentAfterBlock, 9)
    assert.equal(updated.attempts, 1)
    assert.deepEqual(updated.history, [
      { at: 0, state: 'seen' },
      { at: 1, state: 'ordering' },
      { at: 2, state: 'ordering', reason: 'will retry: connection reset' },
    ])
  })

  it('a permanent order carries 199 renewals at the fees when first sent, fixed with the nonce: a resend after a crash adds the same, once', async () => {
    crust.failNext = 1
    const [log] = evm.mine([CID], MERCHANT, true)
    await processor(1).tick()
    const ordering = state(log!)!
    assert.equal(ordering.state, 'ordering')
    assert.equal(ordering.prepaid, (7n * 199n).toString(), 'recorded before the first send')
    assert.equal(ordering.prepaidPricedAt, 100)
    // The fees move before the retry: the recorded amount stands.
    crust.renewal = 9n
    crust.block = 101
    now += 1000
    await processor(1).tick()
    assert.equal(state(log!)?.state, 'ordered')
    assert.equal(state(log!)?.prepaid, '1393')
    const [plain] = evm.mine(['QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'])
    await processor(1).tick()
    assert.equal(state(plain!)?.state, 'ordered')
    assert.equal(state(plain!)?.prepaid, undefined, 'a plain order prepays nothing')
    assert.deepEqual(crust.placed, [
      { cid: CID, nonce: ordering.nonce, prepaid: '1393' },
      { cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', nonce: ordering.nonce! + 1 },
    ])
  })

  it('a burst of confirmed events gets consecutive nonces, each recorded, and is sent together: none waits for another to be included', async () => {
    let release!: () => void
    crust.gate = new Promise((resolve) => {
      release = resolve
    })
    const cids = [CID, 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', 'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB']
    const logs = evm.mine(cids)
    const tick = processor(1).tick()
    // Poll with a deadline: the store's writes are real disk writes.
    const deadline = Date.now() + 10_000
    while (crust.placed.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(
      crust.placed.map((p) => p.nonce),
      [0, 1, 2],
      'all three sent before any is included',
    )
    assert.deepEqual(
      logs.map((l) => [state(l)?.state, state(l)?.nonce]),
      [
        ['ordering', 0],
        ['ordering', 1],
        ['ordering', 2],
      ],
    )
    release()
    await tick
    assert.deepEqual(
      logs.map((l) => state(l)?.state),
      ['ordered', 'ordered', 'ordered'],
    )
  })
})
