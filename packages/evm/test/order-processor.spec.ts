/**
 * The order node's state machine against a fake EVM chain and a fake Crust account (the seams
 * `EvmSource` and `CrustSink`), on a real LMDB store in a temporary folder.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { EventStore, eventKey, OrderProcessor, type OrderLog } from '../src/index.js'
import { CID, FakeCrust, FakeEvm, MERCHANT } from './fakes.js'

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
