import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type ImportOutcome,
  PoolError,
  type PoolErrorCode,
  type PoolLimits,
  type PoolTransaction,
  poolErrorToRpc,
  TransactionQueues,
} from '../src/node/txpool/index.js'
import { NaiveError, NaiveQueues } from './fixtures/naive-txpool.js'

const ALICE = '0xaa'
const BOB = '0xbb'
const CAROL = '0xcc'
const DAVE = '0xdd'

const roomy: PoolLimits = { maxReady: 100, maxFuture: 100, maxBytes: 1_000_000 }

/** A transaction whose hash is `0x<tag>`, so assertions read as tags. */
function tx(tag: string, sender: string, nonce: number, priority = 0n, length = 10): PoolTransaction<string> {
  return { hash: `0x${tag}`, sender, nonce, priority, length, data: tag }
}

const tags = (txs: Iterable<PoolTransaction<unknown>>): string[] => Array.from(txs, (t) => t.hash.slice(2))

function expectPoolError(fn: () => unknown, code: PoolErrorCode): PoolError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof PoolError, `expected PoolError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code)
  assert.equal(caught.type.code, code)
  return caught
}

function snapshot(q: TransactionQueues<string>): unknown {
  return { all: tags(q.all()), status: q.status() }
}

describe('TransactionQueues', () => {
  describe('import', () => {
    it('behavior: a transaction at the account nonce is ready, one after a gap is future', () => {
      const q = new TransactionQueues<string>(roomy)
      assert.equal(q.import(tx('a5', ALICE, 5), 5).status, 'ready')
      assert.equal(q.import(tx('b7', BOB, 7), 5).status, 'future')
      assert.deepEqual(q.status(), { ready: 1, future: 1, bytes: 20 })
      assert.deepEqual(tags(q.ready()), ['a5'])
      assert.equal(q.get('0xa5')?.data, 'a5')
      assert.ok(q.has('0xb7'))
      assert.ok(!q.has('0xnone'))
    })

    it('behavior: a transaction directly after the sender’s last ready one is ready', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0), 0)
      q.import(tx('a1', ALICE, 1), 0)
      const out = q.import(tx('a2', ALICE, 2), 0)
      assert.equal(out.status, 'ready')
      assert.deepEqual(out.promoted, [])
      assert.deepEqual(tags(q.ready()), ['a0', 'a1', 'a2'])
    })

    it('behavior: filling a gap promotes the following futures in nonce order', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0), 0)
      q.import(tx('a3', ALICE, 3), 0)
      q.import(tx('a2', ALICE, 2), 0)
      q.import(tx('a5', ALICE, 5), 0)
      assert.deepEqual(q.status(), { ready: 1, future: 3, bytes: 40 })
      const out = q.import(tx('a1', ALICE, 1), 0)
      assert.equal(out.status, 'ready')
      assert.deepEqual(tags(out.promoted), ['a2', 'a3'])
      assert.deepEqual(q.status(), { ready: 4, future: 1, bytes: 50 })
      assert.deepEqual(tags(q.all()), ['a0', 'a1', 'a2', 'a3', 'a5'])
    })

    it('behavior: a transaction at the account nonce is ready and promotes its followers', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a1', ALICE, 1), 0)
      const out = q.import(tx('a0', ALICE, 0), 0)
      assert.deepEqual(tags(out.promoted), ['a1'])
      assert.deepEqual(tags(q.ready()), ['a0', 'a1'])
    })

    it('error: a duplicate hash is ALREADY_IMPORTED and changes nothing', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0), 0)
      const before = snapshot(q)
      const err = expectPoolError(() => q.import(tx('a0', ALICE, 1), 0), 'TXPOOL_ERROR_ALREADY_IMPORTED')
      assert.deepEqual(err.meta, { hash: '0xa0' })
      assert.deepEqual(snapshot(q), before)
    })

    it('error: a nonce below the account nonce is STALE', () => {
      const q = new TransactionQueues<string>(roomy)
      const err = expectPoolError(() => q.import(tx('a3', ALICE, 3), 4), 'TXPOOL_ERROR_STALE')
      assert.deepEqual(err.meta, { hash: '0xa3', nonce: 3, accountNonce: 4 })
      assert.deepEqual(q.status(), { ready: 0, future: 0, bytes: 0 })
    })

    it('error: a nonce below the nonce the pool already knows is STALE even if the caller’s view is older', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a5', ALICE, 5), 5)
      expectPoolError(() => q.import(tx('a4', ALICE, 4), 3), 'TXPOOL_ERROR_STALE')
    })

    it('behavior: a higher priority replaces the same sender and nonce and keeps the rest of the chain', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0, 1n), 0)
      q.import(tx('a1', ALICE, 1, 1n), 0)
      q.import(tx('a3', ALICE, 3, 1n), 0)
      q.import(tx('b0', BOB, 0, 5n), 0)
      const out = q.import(tx('a0x', ALICE, 0, 9n, 25), 0)
      assert.equal(out.status, 'ready')
      assert.equal(out.replaced?.hash, '0xa0')
      assert.deepEqual(out.promoted, [])
      assert.ok(!q.has('0xa0'))
      assert.deepEqual(tags(q.all()), ['a0x', 'b0', 'a1', 'a3'])
      assert.deepEqual(q.status(), { ready: 3, future: 1, bytes: 55 })
      // Replacing a future one keeps it future.
      const f = q.import(tx('a3x', ALICE, 3, 2n), 0)
      assert.equal(f.status, 'future')
      assert.equal(f.replaced?.hash, '0xa3')
      assert.deepEqual(tags(q.all()), ['a0x', 'b0', 'a1', 'a3x'])
    })

    it('error: the same or a lower priority for a taken nonce is TOO_LOW_PRIORITY', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0, 5n), 0)
      const before = snapshot(q)
      const err = expectPoolError(() => q.import(tx('a0same', ALICE, 0, 5n), 0), 'TXPOOL_ERROR_TOO_LOW_PRIORITY')
      assert.deepEqual(err.meta, { hash: '0xa0same', oldPriority: '5', newPriority: '5' })
      expectPoolError(() => q.import(tx('a0low', ALICE, 0, 4n), 0), 'TXPOOL_ERROR_TOO_LOW_PRIORITY')
      assert.deepEqual(snapshot(q), before)
    })

    it('error: more than maxPerSender future transactions from one sender is TOO_MANY_FROM_SENDER; replacing stays allowed', () => {
      const q = new TransactionQueues<string>({ ...roomy, maxPerSender: 2 })
      q.import(tx('a0', ALICE, 0), 0)
      q.import(tx('a5', ALICE, 5), 0)
      q.import(tx('a6', ALICE, 6), 0)
      const err = expectPoolError(() => q.import(tx('a7', ALICE, 7), 0), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
      assert.deepEqual(err.meta, { hash: '0xa7', sender: ALICE, limit: 2 })
      assert.equal(q.import(tx('a5x', ALICE, 5, 1n), 0).replaced?.hash, '0xa5')
      assert.equal(q.import(tx('b0', BOB, 0), 0).status, 'ready')
    })

    it('behavior: the per-sender bound counts only future transactions: a gap fill and a long ready chain are accepted', () => {
      const q = new TransactionQueues<string>({ ...roomy, maxPerSender: 2 })
      q.import(tx('a2', ALICE, 2), 0)
      q.import(tx('a3', ALICE, 3), 0)
      assert.equal(q.import(tx('a0', ALICE, 0), 0).status, 'ready')
      assert.deepEqual(
        q.import(tx('a1', ALICE, 1), 0).promoted.map((t) => t.hash),
        ['0xa2', '0xa3'],
      )
      for (let n = 4; n < 20; n++) assert.equal(q.import(tx(`a${n}`, ALICE, n), 0).status, 'ready')
      assert.equal(q.status().ready, 20)
    })

    it('behavior: maxPerSender defaults to 256 future transactions', () => {
      const q = new TransactionQueues<string>({ ...roomy, maxFuture: 1000 })
      for (let n = 1; n <= 256; n++) q.import(tx(`a${n}`, ALICE, n), 0)
      expectPoolError(() => q.import(tx('a257', ALICE, 257), 0), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
    })

    it('behavior: local (RPC) transactions are not held to the per-sender bound, and do not use up the room of network ones: the bound counts network futures only', () => {
      const q = new TransactionQueues<string>({ ...roomy, maxPerSender: 2 })
      for (let n = 1; n <= 5; n += 2) assert.equal(q.import(tx(`a${n}`, ALICE, n), 0, { origin: 'local' }).status, 'future')
      // Peers bring the nonces between this node's own (a sender submitting to several nodes).
      assert.equal(q.import(tx('a2', ALICE, 2), 0, { origin: 'network' }).status, 'future')
      assert.equal(q.import(tx('a4', ALICE, 4), 0, { origin: 'network' }).status, 'future')
      expectPoolError(() => q.import(tx('a6', ALICE, 6), 0, { origin: 'network' }), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
      expectPoolError(() => q.checkSenderRoom('0xa6', ALICE, 6), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
      assert.equal(q.import(tx('a7', ALICE, 7), 0, { origin: 'local' }).status, 'future')
      assert.equal(q.status().future, 6)
      // The gap fills: everything up to a5 is ready, the network futures' room frees up again.
      assert.deepEqual(
        q.import(tx('a0', ALICE, 0), 0, { origin: 'network' }).promoted.map((t) => t.hash),
        ['0xa1', '0xa2', '0xa3', '0xa4', '0xa5'],
      )
      assert.equal(q.import(tx('a8', ALICE, 8), 0, { origin: 'network' }).status, 'future')
      assert.equal(q.import(tx('a9', ALICE, 9), 0, { origin: 'network' }).status, 'future')
      expectPoolError(() => q.import(tx('a10', ALICE, 10), 0, { origin: 'network' }), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
    })

    it('error: checkSenderRoom refuses, before any validation, what import would refuse for the per-sender bound', () => {
      const q = new TransactionQueues<string>({ ...roomy, maxPerSender: 1 })
      q.checkSenderRoom('0xa5', ALICE, 5)
      q.import(tx('a0', ALICE, 0), 0)
      q.import(tx('a5', ALICE, 5), 0)
      q.checkSenderRoom('0xa1', ALICE, 1)
      q.checkSenderRoom('0xa5x', ALICE, 5)
      expectPoolError(() => q.checkSenderRoom('0xa6', ALICE, 6), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
      expectPoolError(() => q.import(tx('a6', ALICE, 6), 0), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER')
    })

    it('behavior: expire drops transactions past their era and future ones that waited too long; later nonces go back to future', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import({ ...tx('a0', ALICE, 0), validTill: 10 }, 0, { now: 1000 })
      q.import(tx('a1', ALICE, 1), 0, { now: 1000 })
      q.import(tx('b5', BOB, 5), 0, { now: 1000 })
      q.import(tx('c7', CAROL, 7), 0, { now: 5000 })
      assert.deepEqual(tags(q.expire(9, 0)), [])
      assert.deepEqual(tags(q.expire(10, 2000)).sort(), ['a0', 'b5'])
      assert.deepEqual(q.status(), { ready: 0, future: 2, bytes: 20 })
      assert.ok(!q.isReady('0xa1'))
      assert.deepEqual(q.senderIds().sort(), [ALICE, CAROL])
    })

    it('error: a negative or fractional limit is INVALID_LIMITS', () => {
      expectPoolError(() => new TransactionQueues({ ...roomy, maxReady: -1 }), 'TXPOOL_ERROR_INVALID_LIMITS')
      expectPoolError(() => new TransactionQueues({ ...roomy, maxPerSender: 1.5 }), 'TXPOOL_ERROR_INVALID_LIMITS')
    })
  })

  describe('ready()', () => {
    it('behavior: orders across senders by priority while keeping each sender’s nonce order', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0, 1n), 0)
      q.import(tx('a1', ALICE, 1, 10n), 0)
      q.import(tx('b0', BOB, 0, 5n), 0)
      q.import(tx('b1', BOB, 1, 2n), 0)
      q.import(tx('c0', CAROL, 0, 3n), 0)
      // a1 has the top priority but needs a0, the lowest; it follows as soon as a0 is out.
      assert.deepEqual(tags(q.ready()), ['b0', 'c0', 'b1', 'a0', 'a1'])
    })

    it('behavior: equal priorities go in arrival order', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('c0', CAROL, 0, 1n), 0)
      q.import(tx('a0', ALICE, 0, 1n), 0)
      q.import(tx('b0', BOB, 0, 1n), 0)
      assert.deepEqual(tags(q.ready()), ['c0', 'a0', 'b0'])
    })

    it('behavior: future transactions are not yielded', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0, 1n), 0)
      q.import(tx('a2', ALICE, 2, 100n), 0)
      q.import(tx('b3', BOB, 3, 100n), 2)
      assert.deepEqual(tags(q.ready()), ['a0'])
    })

    it('behavior: skipSender skips the rest of that sender’s chain for this iteration only', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0, 9n), 0)
      q.import(tx('a1', ALICE, 1, 9n), 0)
      q.import(tx('a2', ALICE, 2, 9n), 0)
      q.import(tx('b0', BOB, 0, 5n), 0)
      q.import(tx('b1', BOB, 1, 1n), 0)
      const it = q.ready()
      const first = it.next()
      assert.equal(first.value?.hash, '0xa0')
      it.skipSender(ALICE) // a0 failed to apply: a1, a2 cannot apply either
      assert.deepEqual(tags(it), ['b0', 'b1'])
      assert.deepEqual(tags(q.ready()), ['a0', 'a1', 'a2', 'b0', 'b1'])
    })

    it('behavior: an iterator is lazy and can stop early', () => {
      const q = new TransactionQueues<string>({ ...roomy, maxReady: 10_000 })
      for (let s = 0; s < 500; s++) q.import(tx(`s${s}`, `0x${s.toString(16)}`, 0, BigInt(s)), 0)
      const it = q.ready()
      assert.deepEqual([it.next().value?.hash, it.next().value?.hash], ['0xs499', '0xs498'])
    })

    it('behavior: an iterator taken before a change never yields removed transactions or broken chains', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0, 9n), 0)
      q.import(tx('a1', ALICE, 1, 9n), 0)
      q.import(tx('b0', BOB, 0, 5n), 0)
      q.import(tx('b1', BOB, 1, 5n), 0)
      q.import(tx('c0', CAROL, 0, 1n), 0)
      const it = q.ready()
      assert.equal(it.next().value?.hash, '0xa0')
      q.remove(['0xa1', '0xb0']) // b1 goes back to future
      q.import(tx('d0', DAVE, 0, 100n), 0) // arrived later: not part of this iteration
      q.import(tx('c0x', CAROL, 0, 2n), 0) // replaced: the iterator yields the pooled one
      assert.deepEqual(tags(it), ['c0x'])
    })

    it('behavior: a sender not yet reached when its account nonce moves starts from its new head', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a5', ALICE, 5, 1n), 5)
      q.import(tx('a6', ALICE, 6, 1n), 5)
      q.import(tx('b0', BOB, 0, 9n), 0)
      const it = q.ready()
      assert.equal(it.next().value?.hash, '0xb0')
      q.onNonces([[ALICE, 4]]) // reorg: Alice's chain waits for nonce 4
      q.import(tx('a4', ALICE, 4, 1n), 4)
      assert.deepEqual(tags(it), ['a4', 'a5', 'a6'])
    })

    it('behavior: all() lists ready transactions in block order, then future ones by sender and nonce', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('b5', BOB, 5), 0)
      q.import(tx('a3', ALICE, 3), 0)
      q.import(tx('b0', BOB, 0, 1n), 0)
      q.import(tx('a0', ALICE, 0, 2n), 0)
      q.import(tx('b2', BOB, 2), 0)
      assert.deepEqual(tags(q.all()), ['a0', 'b0', 'a3', 'b2', 'b5'])
    })
  })

  describe('onNonces', () => {
    it('behavior: drops included transactions and promotes futures that are now consecutive', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0), 0)
      q.import(tx('a1', ALICE, 1), 0)
      q.import(tx('a3', ALICE, 3), 0)
      q.import(tx('a4', ALICE, 4), 0)
      q.import(tx('b0', BOB, 0), 0)
      // A block from elsewhere included Alice's 0..2 (2 never reached us).
      const out = q.onNonces([
        [ALICE, 3],
        [CAROL, 9],
      ])
      assert.deepEqual(tags(out.removed), ['a0', 'a1'])
      assert.deepEqual(tags(out.promoted), ['a3', 'a4'])
      assert.deepEqual(out.evicted, [])
      assert.deepEqual(q.status(), { ready: 3, future: 0, bytes: 30 })
      assert.deepEqual(tags(q.ready()), ['a3', 'a4', 'b0'])
      expectPoolError(() => q.import(tx('a2', ALICE, 2), 3), 'TXPOOL_ERROR_STALE')
    })

    it('behavior: the last transaction of a sender leaving forgets the sender', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a0', ALICE, 0), 0)
      assert.deepEqual(tags(q.onNonces([[ALICE, 1]]).removed), ['a0'])
      assert.deepEqual(q.status(), { ready: 0, future: 0, bytes: 0 })
      // The next import's account nonce is taken as is.
      assert.equal(q.import(tx('a7', ALICE, 7), 7).status, 'ready')
    })

    it('behavior: a lower nonce (reorg) turns the sender’s chain back to future', () => {
      const q = new TransactionQueues<string>(roomy)
      q.import(tx('a5', ALICE, 5), 5)
      q.import(tx('a6', ALICE, 6), 5)
      const out = q.onNonces([[ALICE, 4]])
      assert.deepEqual(out, { removed: [], promoted: [], evicted: [] })
      assert.deepEqual(q.status(), { ready: 0, future: 2, bytes: 20 })
      const back = q.import(tx('a4', ALICE, 4), 4)
      assert.equal(back.status, 'ready')
      assert.deepEqual(tags(back.promoted), ['a5', 'a6'])
    })

    it('behavior: promotions beyond maxReady evict the lowest-priority chain end', () => {
      const q = new TransactionQueues<string>({ maxReady: 2, maxFuture: 10, maxBytes: 1000 })
      q.import(tx('b0', BOB, 0, 1n), 0)
      q.import(tx('a2', ALICE, 2, 5n), 0)
      q.import(tx('a3', ALICE, 3, 7n), 0)
      const out = q.onNonces([[ALICE, 2]])
      assert.deepEqual(tags(out.promoted), ['a2', 'a3'])
      assert.deepEqual(tags(out.evicted), ['b0'])
      assert.deepEqual(q.status(), { ready: 2, future: 0, bytes: 20 })
    })
  })

  describe('remove', () => {
    it('behavior: removing a ready transaction moves the sender’s later ones back to future', () => {
      const q = new TransactionQueues<string>(roomy)
      for (let n = 0; n < 4; n++) q.import(tx(`a${n}`, ALICE, n), 0)
      q.import(tx('b0', BOB, 0), 0)
      assert.deepEqual(tags(q.remove(['0xa1', '0xunknown'])), ['a1'])
      assert.deepEqual(q.status(), { ready: 2, future: 2, bytes: 40 })
      assert.deepEqual(tags(q.ready()), ['a0', 'b0'])
      const again = q.import(tx('a1x', ALICE, 1), 0)
      assert.deepEqual(tags(again.promoted), ['a2', 'a3'])
    })

    it('behavior: demotions that overflow maxFuture evict the lowest-priority futures, listed after the removed', () => {
      const q = new TransactionQueues<string>({ maxReady: 10, maxFuture: 1, maxBytes: 1000 })
      q.import(tx('a0', ALICE, 0, 5n), 0)
      q.import(tx('a1', ALICE, 1, 3n), 0)
      q.import(tx('a2', ALICE, 2, 4n), 0)
      assert.deepEqual(tags(q.remove(['0xa0'])), ['a0', 'a1'])
      assert.deepEqual(tags(q.all()), ['a2'])
      assert.deepEqual(q.status(), { ready: 0, future: 1, bytes: 10 })
    })
  })

  describe('limits', () => {
    it('behavior: over maxFuture, the lowest-priority future goes first, the later arrival on ties', () => {
      const q = new TransactionQueues<string>({ maxReady: 10, maxFuture: 2, maxBytes: 1000 })
      q.import(tx('a5', ALICE, 5, 3n), 0)
      q.import(tx('b5', BOB, 5, 1n), 0)
      const out = q.import(tx('c5', CAROL, 5, 2n), 0)
      assert.deepEqual(tags(out.evicted), ['b5'])
      // d5 ties with c5 and arrived later: it is the one to go, so it is refused.
      expectPoolError(() => q.import(tx('d5', DAVE, 5, 2n), 0), 'TXPOOL_ERROR_POOL_FULL')
      assert.deepEqual(tags(q.import(tx('e5', '0xee', 5, 3n), 0).evicted), ['c5'])
      assert.deepEqual(tags(q.all()), ['a5', 'e5'])
    })

    it('behavior: over maxReady, the lowest-priority chain end goes, never a transaction with dependants', () => {
      const q = new TransactionQueues<string>({ maxReady: 3, maxFuture: 10, maxBytes: 1000 })
      q.import(tx('a0', ALICE, 0, 1n), 0) // lowest, but a1 depends on it
      q.import(tx('a1', ALICE, 1, 100n), 0)
      q.import(tx('c0', CAROL, 0, 60n), 0)
      q.import(tx('a9', ALICE, 9, 0n), 0) // future: does not help the ready bound
      const out = q.import(tx('b0', BOB, 0, 70n), 0)
      assert.deepEqual(tags(out.evicted), ['c0'])
      assert.deepEqual(tags(q.ready()), ['b0', 'a0', 'a1'])
      assert.ok(q.has('0xa9'))
    })

    it('behavior: over maxBytes, futures go first, then chain ends', () => {
      const q = new TransactionQueues<string>({ maxReady: 10, maxFuture: 10, maxBytes: 100 })
      q.import(tx('a0', ALICE, 0, 1n, 30), 0)
      q.import(tx('b0', BOB, 0, 2n, 30), 0)
      q.import(tx('c7', CAROL, 7, 50n, 30), 0)
      const out = q.import(tx('d0', DAVE, 0, 9n, 45), 0)
      // 135 bytes: the future c7 goes despite its priority, then the weakest chain end a0.
      assert.deepEqual(tags(out.evicted), ['c7', 'a0'])
      assert.deepEqual(q.status(), { ready: 2, future: 0, bytes: 75 })
    })

    it('behavior: promotions evicted by the same import are reported as evicted, not promoted', () => {
      const q = new TransactionQueues<string>({ maxReady: 2, maxFuture: 10, maxBytes: 1000 })
      q.import(tx('a1', ALICE, 1, 1n), 0)
      q.import(tx('a2', ALICE, 2, 1n), 0)
      q.import(tx('b0', BOB, 0, 3n), 0)
      const out = q.import(tx('a0', ALICE, 0, 5n), 0)
      assert.deepEqual(tags(out.promoted), [])
      assert.deepEqual(tags(out.evicted), ['a2', 'a1'])
    })

    it('error: POOL_FULL when the incoming transaction would be evicted, leaving the pool unchanged', () => {
      const q = new TransactionQueues<string>({ maxReady: 2, maxFuture: 1, maxBytes: 100 })
      q.import(tx('a0', ALICE, 0, 5n, 20), 0)
      q.import(tx('b0', BOB, 0, 7n, 20), 0)
      q.import(tx('c3', CAROL, 3, 1n, 20), 0)
      const before = snapshot(q)
      // Ready is full and the newcomer is the weakest chain end (a tie goes against the later arrival).
      expectPoolError(() => q.import(tx('d0', DAVE, 0, 5n), 0), 'TXPOOL_ERROR_POOL_FULL')
      // Future is full and the newcomer is the weakest future.
      expectPoolError(() => q.import(tx('d4', DAVE, 4, 0n), 0), 'TXPOOL_ERROR_POOL_FULL')
      // Bytes: the future c3 goes first, then the newcomer (a replacement) is the weakest chain end;
      // c3 and the replaced a0 must both come back.
      expectPoolError(() => q.import(tx('a0x', ALICE, 0, 6n, 90), 0), 'TXPOOL_ERROR_POOL_FULL')
      // A transaction larger than the byte bound never fits, whatever it evicts on the way.
      expectPoolError(() => q.import(tx('e0', '0xee', 0, 99n, 101), 0), 'TXPOOL_ERROR_POOL_FULL')
      assert.deepEqual(snapshot(q), before)
      assert.deepEqual(tags(q.ready()), ['b0', 'a0'])
    })

    it('error: POOL_FULL restores promoted and evicted transactions of the failed import', () => {
      const q = new TransactionQueues<string>({ maxReady: 1, maxFuture: 5, maxBytes: 1000 })
      q.import(tx('b0', BOB, 0, 9n), 0)
      q.import(tx('a1', ALICE, 1, 1n), 0)
      q.import(tx('a2', ALICE, 2, 1n), 0)
      const before = snapshot(q)
      expectPoolError(() => q.import(tx('a0', ALICE, 0, 2n), 0), 'TXPOOL_ERROR_POOL_FULL')
      assert.deepEqual(snapshot(q), before)
      assert.deepEqual(q.status(), { ready: 1, future: 2, bytes: 30 })
    })
  })

  describe('poolErrorToRpc', () => {
    it('behavior: gives Substrate’s JSON-RPC error for each code', () => {
      const q = new TransactionQueues<string>({ maxReady: 1, maxFuture: 1, maxBytes: 1000, maxPerSender: 1 })
      q.import(tx('a0', ALICE, 0, 5n), 0)
      const rpc = (fn: () => unknown, code: PoolErrorCode) => poolErrorToRpc(expectPoolError(fn, code))
      assert.deepEqual(
        rpc(() => q.import(tx('a0', BOB, 0), 0), 'TXPOOL_ERROR_ALREADY_IMPORTED'),
        {
          code: 1013,
          message: 'Transaction Already Imported',
          data: '0xa0',
        },
      )
      assert.deepEqual(
        rpc(() => q.import(tx('b0', BOB, 0), 1), 'TXPOOL_ERROR_STALE'),
        {
          code: 1010,
          message: 'Invalid Transaction',
          data: 'Transaction is outdated',
        },
      )
      assert.deepEqual(
        rpc(() => q.import(tx('a0y', ALICE, 0, 3n), 0), 'TXPOOL_ERROR_TOO_LOW_PRIORITY'),
        {
          code: 1014,
          message: 'Priority is too low: (5 vs 3)',
          data: 'The transaction has too low priority to replace another transaction already in the pool.',
        },
      )
      const dropped = { code: 1016, message: 'Immediately Dropped', data: "The transaction couldn't enter the pool because of the limit" }
      assert.deepEqual(
        rpc(() => q.import(tx('b0', BOB, 0), 0), 'TXPOOL_ERROR_POOL_FULL'),
        dropped,
      )
      q.import(tx('a2', ALICE, 2), 0)
      assert.deepEqual(
        rpc(() => q.import(tx('a3', ALICE, 3), 0), 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER'),
        dropped,
      )
    })

    it('behavior: a PoolError serialises to JSON-safe { code, message, meta }', () => {
      const err = new PoolError({ code: 'TXPOOL_ERROR_TOO_LOW_PRIORITY', hash: '0x01', oldPriority: 2n, newPriority: 1n })
      assert.equal(err.name, 'PoolError')
      assert.deepEqual(JSON.parse(JSON.stringify(err.toObject())), {
        code: 'TXPOOL_ERROR_TOO_LOW_PRIORITY',
        message: err.message,
        meta: { hash: '0x01', oldPriority: '2', newPriority: '1' },
      })
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Property: random operation sequences against the naive model.

const SENDERS = ['0x01', '0x02', '0x03', '0x04']

type Op =
  | { kind: 'import'; s: number; offset: number; priority: number; length: number }
  | { kind: 'append'; s: number; priority: number; length: number }
  | { kind: 'reimport'; pick: number }
  | { kind: 'block'; take: number; fail: boolean[] }
  | { kind: 'external'; s: number; by: number }
  | { kind: 'reorg'; s: number; by: number }
  | { kind: 'remove'; picks: number[] }
  | { kind: 'interleave'; pull: number; shift: number; s: number; offset: number; priority: number; removePick: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      s: fc.nat(SENDERS.length - 1),
      offset: fc.oneof({ weight: 3, arbitrary: fc.nat(2) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 6 }) }),
      priority: fc.nat(4),
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      s: fc.nat(SENDERS.length - 1),
      priority: fc.nat(4),
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reimport' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('block' as const),
      take: fc.nat(6),
      fail: fc.array(fc.boolean(), { maxLength: 6 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('external' as const), s: fc.nat(SENDERS.length - 1), by: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reorg' as const), s: fc.nat(SENDERS.length - 1), by: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), picks: fc.array(fc.nat(), { maxLength: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('interleave' as const),
      pull: fc.nat(4),
      shift: fc.integer({ min: -2, max: 2 }),
      s: fc.nat(SENDERS.length - 1),
      offset: fc.integer({ min: 0, max: 3 }),
      priority: fc.nat(4),
      removePick: fc.nat(),
    }),
  },
)

// Mostly limits that bind now and then; sometimes tiny ones where almost everything is refused.
const limitsArb: fc.Arbitrary<PoolLimits> = fc.record({
  maxReady: fc.integer({ min: 0, max: 12 }),
  maxFuture: fc.integer({ min: 0, max: 8 }),
  maxBytes: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 60, max: 600 }) }, { weight: 1, arbitrary: fc.nat(60) }),
  maxPerSender: fc.integer({ min: 1, max: 8 }),
})

function outcomeHashes(o: ImportOutcome<unknown>) {
  return {
    status: o.status,
    replaced: o.replaced?.hash,
    promoted: o.promoted.map((t) => t.hash),
    evicted: o.evicted.map((t) => t.hash),
  }
}

/** Runs `real` and `model`; both must succeed with equal results or fail with the same code. */
function both<R, M>(real: () => R, model: () => M, compare: (r: R, m: M) => void): void {
  let r: { ok: true; value: R } | { ok: false; code: string }
  let m: { ok: true; value: M } | { ok: false; code: string }
  try {
    r = { ok: true, value: real() }
  } catch (err) {
    if (!(err instanceof PoolError)) throw err
    r = { ok: false, code: err.code }
  }
  try {
    m = { ok: true, value: model() }
  } catch (err) {
    if (!(err instanceof NaiveError)) throw err
    m = { ok: false, code: err.code }
  }
  if (r.ok && m.ok) compare(r.value, m.value)
  else assert.deepEqual(r.ok ? 'ok' : r.code, m.ok ? 'ok' : m.code)
}

/** The invariants that must hold after every operation. */
function checkInvariants(q: TransactionQueues<unknown>, model: NaiveQueues, limits: PoolLimits, chain: Map<string, number>): void {
  const ready = [...q.ready()]
  const all = q.all()
  const status = q.status()
  // Per sender: consecutive nonces from the account nonce.
  const next = new Map<string, number>()
  for (const t of ready) {
    const expected = next.get(t.sender) ?? chain.get(t.sender)
    assert.equal(t.nonce, expected, `sender ${t.sender} yields nonce ${t.nonce}, expected ${expected}`)
    next.set(t.sender, t.nonce + 1)
  }
  // Ready is maximal: no pooled transaction at the nonce after a sender's ready run.
  for (const t of all.slice(ready.length)) {
    assert.notEqual(t.nonce, next.get(t.sender) ?? chain.get(t.sender), `future ${t.hash} should be ready`)
  }
  // Counters.
  assert.equal(status.ready, ready.length)
  assert.equal(status.future, all.length - ready.length)
  assert.equal(
    status.bytes,
    all.reduce((sum, t) => sum + t.length, 0),
  )
  assert.equal(new Set(all.map((t) => t.hash)).size, all.length)
  for (const t of all) assert.equal(q.get(t.hash), t)
  // Limits.
  assert.ok(status.ready <= limits.maxReady, 'maxReady exceeded')
  assert.ok(status.future <= limits.maxFuture, 'maxFuture exceeded')
  assert.ok(status.bytes <= limits.maxBytes, 'maxBytes exceeded')
  // maxPerSender bounds the future transactions an import may add (demotions can exceed it); the
  // model comparison below checks which imports it refuses.
  // Same state as the model, same order.
  assert.deepEqual(status, model.status())
  assert.deepEqual(
    ready.map((t) => t.hash),
    model.readyOrder(),
  )
  assert.deepEqual(
    all.map((t) => t.hash),
    model.all(),
  )
}

describe('TransactionQueues properties', () => {
  it('behavior: random operation sequences keep valid block order, exact counters, limits, and match the model', () => {
    fc.assert(
      fc.property(
        limitsArb,
        fc.array(fc.nat(3), { minLength: SENDERS.length, maxLength: SENDERS.length }),
        fc.array(opArb, { minLength: 10, maxLength: 80 }),
        (limits, startNonces, ops) => {
          const q = new TransactionQueues<unknown>(limits)
          const model = new NaiveQueues(limits)
          const chain = new Map(SENDERS.map((s, i) => [s, startNonces[i]!]))
          let counter = 0
          const doImport = (s: number, offset: number, priority: number, length: number) => {
            const sender = SENDERS[s]!
            const nonce = chain.get(sender)! + offset
            if (nonce < 0) return
            const t: PoolTransaction = { hash: `0x${(counter++).toString(16)}`, sender, nonce, priority: BigInt(priority), length, data: null }
            const before = q.all()
            both(
              () => q.import(t, chain.get(sender)!),
              () => model.import(t, chain.get(sender)!),
              (r, m) => assert.deepEqual(outcomeHashes(r), m),
            )
            if (!q.has(t.hash)) assert.deepEqual(q.all(), before, 'a refused import changed the pool')
          }
          const setNonce = (sender: string, nonce: number) => {
            chain.set(sender, nonce)
            both(
              () => q.onNonces([[sender, nonce]]),
              () => model.onNonces([[sender, nonce]]),
              (r, m) =>
                assert.deepEqual({ removed: r.removed.map((t) => t.hash), promoted: r.promoted.map((t) => t.hash), evicted: r.evicted.map((t) => t.hash) }, m),
            )
          }

          for (const op of ops) {
            switch (op.kind) {
              case 'import':
                doImport(op.s, op.offset, op.priority, op.length)
                break
              case 'append': {
                // A wallet's usual submission: the sender's first nonce not in the pool (may fill a gap).
                const sender = SENDERS[op.s]!
                const pooled = new Set(q.all().flatMap((t) => (t.sender === sender ? [t.nonce] : [])))
                let offset = 0
                while (pooled.has(chain.get(sender)! + offset)) offset++
                doImport(op.s, offset, op.priority, op.length)
                break
              }
              case 'reimport': {
                const all = q.all()
                if (all.length === 0) break
                const t = all[op.pick % all.length]!
                expectPoolError(() => q.import(t, chain.get(t.sender)!), 'TXPOOL_ERROR_ALREADY_IMPORTED')
                break
              }
              case 'block': {
                // Author a block: apply up to `take` transactions; a failure skips the sender.
                const included = new Map<string, number>()
                const skipped = new Set<string>()
                const it = q.ready()
                let i = 0
                for (const t of it) {
                  assert.ok(!skipped.has(t.sender), 'yielded a skipped sender')
                  if (op.fail[i++]) {
                    it.skipSender(t.sender)
                    skipped.add(t.sender)
                    continue
                  }
                  included.set(t.sender, t.nonce + 1)
                  if (included.size >= op.take) break
                }
                for (const [sender, nonce] of included) chain.set(sender, nonce)
                both(
                  () => q.onNonces(included),
                  () => model.onNonces(included),
                  (r, m) =>
                    assert.deepEqual(
                      { removed: r.removed.map((t) => t.hash), promoted: r.promoted.map((t) => t.hash), evicted: r.evicted.map((t) => t.hash) },
                      m,
                    ),
                )
                break
              }
              case 'external':
                setNonce(SENDERS[op.s]!, chain.get(SENDERS[op.s]!)! + op.by)
                break
              case 'reorg':
                setNonce(SENDERS[op.s]!, Math.max(0, chain.get(SENDERS[op.s]!)! - op.by))
                break
              case 'remove': {
                const all = q.all()
                const hashes = op.picks.map((p) => (all.length === 0 ? '0xgone' : all[p % all.length]!.hash))
                hashes.push('0xgone')
                assert.deepEqual(
                  q.remove(hashes).map((t) => t.hash),
                  model.remove(hashes),
                )
                break
              }
              case 'interleave': {
                // Pull a few, change the pool (nonce change, import, removal), pull the rest: every
                // yield is still pooled and follows the sender's account nonce or its previous yield.
                const it = q.ready()
                const yielded = new Map<string, number>()
                const check = (t: PoolTransaction) => {
                  assert.equal(q.get(t.hash), t, 'yielded a transaction no longer pooled')
                  const last = yielded.get(t.sender)
                  assert.equal(t.nonce, last === undefined ? chain.get(t.sender) : last + 1)
                  yielded.set(t.sender, t.nonce)
                }
                for (let k = 0; k < op.pull; k++) {
                  const r = it.next()
                  if (r.done) break
                  check(r.value)
                }
                const sender = SENDERS[op.s]!
                if (op.shift !== 0) setNonce(sender, Math.max(0, chain.get(sender)! + op.shift))
                doImport(op.s, op.offset, op.priority, 10)
                const all = q.all()
                if (all.length > 0) {
                  const h = all[op.removePick % all.length]!.hash
                  assert.deepEqual(
                    q.remove([h]).map((t) => t.hash),
                    model.remove([h]),
                  )
                }
                for (const t of it) check(t)
                break
              }
            }
            checkInvariants(q, model, limits, chain)
          }
        },
      ),
      { numRuns: 400 },
    )
  })
})
