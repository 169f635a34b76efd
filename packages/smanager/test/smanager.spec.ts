import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SmanagerError, SmanagerErrorCode } from '../src/errors.js'
import { cidToBigInt } from '../src/scheduler/index.js'
import { ME, startHarness } from './fixtures/fakes.js'

const A = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const B = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'
const C = 'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB'
const D = 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR'

describe('smanager: orders to sealed files', () => {
  it('behavior: a new order goes new → pulling → sealing → sealed, with pull progress visible', async () => {
    const h = await startHarness()
    try {
      const progress: number[] = []
      h.sm.events.on('task', (t) => {
        if (t.cid === A && t.progress !== undefined) progress.push(t.progress.blocks)
      })
      h.chain.addFile(A, { size: 3000 })
      h.chain.produce([{ kind: 'ordered', cid: A }])
      const task = await h.waitFor(A, (t) => t.status === 'sealed', 'sealed')
      assert.deepEqual(h.statuses(A), ['new', 'pulling', 'sealing', 'sealed'])
      assert.deepEqual(
        task.history.map((e) => e.reason),
        ['orderPlaced', 'picked', 'pulled', 'sealed'],
      )
      assert.equal(task.source, 'chainEvent')
      assert.equal(task.size, 3000)
      assert.equal(task.attempts, 1)
      assert.deepEqual([...new Set(progress)], [1, 2, 3], 'the block count as it grew')
      assert.deepEqual(h.sworker.sealStarts, [A])
      assert.deepEqual(
        h.sm.tasks({ status: 'sealed' }).map((t) => t.cid),
        [A],
      )
      assert.deepEqual(h.sm.tasks({ status: 'new' }), [])
    } finally {
      await h.stop()
    }
  })

  it('behavior: orders found by the start-up scan are taken too (source dbScan); one the sWorker has is "handled"', async () => {
    const h = await startHarness({
      setup: ({ chain, sworker }) => {
        chain.addFile(A)
        chain.addFile(B)
        sworker.files.set(B, { type: 'valid', size: 1000 })
      },
    })
    try {
      const a = await h.waitFor(A, (t) => t.status === 'sealed', 'A sealed')
      assert.equal(a.source, 'dbScan')
      assert.equal(a.history[0]!.reason, 'foundInScan')
      const b = await h.waitFor(B, (t) => t.status === 'sealed', 'B handled')
      assert.equal(b.reason, 'handled')
      assert.equal(h.ipfs.pulls.includes(B), false, 'nothing to pull')
    } finally {
      await h.stop()
    }
  })

  it('behavior: filters skip with their reason; too little space defers and retries later', async () => {
    const h = await startHarness({ config: { maxReplicas: 3, maxFileSize: 5000 } })
    try {
      h.chain.addFile(A, { replicas: 3 })
      h.chain.addFile(B, { size: 6000 })
      h.chain.addFile(C, { size: 4000 })
      h.sworker.space = { srdComplete: 0, diskAvailable: 0, sysDiskAvailable: 0 }
      h.chain.produce([
        { kind: 'ordered', cid: A },
        { kind: 'ordered', cid: B },
        { kind: 'ordered', cid: C },
      ])
      assert.equal((await h.waitFor(A, (t) => t.status === 'skipped', 'A skipped')).reason, 'tooManyReplicas')
      assert.equal((await h.waitFor(B, (t) => t.status === 'skipped', 'B skipped')).reason, 'sizeTooLarge')
      const c = await h.waitFor(C, (t) => t.reason === 'insufficientSpace', 'C deferred')
      assert.equal(c.status, 'new')
      assert.equal(c.nextAttemptAt, h.clock.now + 1000)
      // room appears and the delay passes: the next block takes it
      h.sworker.space = { srdComplete: 0, diskAvailable: 10, sysDiskAvailable: 10 }
      h.clock.now += 1000
      await h.waitFor(C, (t) => t.status === 'sealed', 'C sealed', true)
    } finally {
      await h.stop()
    }
  })

  it('behavior: a failed pull is recorded with its reason and retried after the backoff', async () => {
    const h = await startHarness()
    try {
      h.ipfs.behaviour.set(A, ['idle', 'ok'])
      h.chain.addFile(A)
      h.chain.produce([{ kind: 'ordered', cid: A }])
      const failed = await h.waitFor(A, (t) => t.status === 'failed', 'failed')
      assert.equal(failed.reason, 'pullIdleTimeout')
      assert.match(failed.lastError!, /SMANAGER_ERROR_PULL_IDLE_TIMEOUT/)
      assert.equal(failed.nextAttemptAt, h.clock.now + 1000)
      h.chain.produce()
      await new Promise((r) => setImmediate(r))
      assert.equal(h.sm.task(A)!.status, 'failed', 'not retried before its time')
      h.clock.now += 1000
      const sealed = await h.waitFor(A, (t) => t.status === 'sealed', 'sealed after retry', true)
      assert.equal(sealed.attempts, 2)
      assert.equal(sealed.lastError, undefined)
      assert.deepEqual(h.statuses(A), ['new', 'pulling', 'failed', 'pulling', 'sealing', 'sealed'])
      assert.equal(sealed.history.find((e) => e.status === 'pulling' && e.reason === 'retry') !== undefined, true)
    } finally {
      await h.stop()
    }
  })

  it('behavior: a seal the sWorker drops fails with sealFailed', async () => {
    const h = await startHarness()
    try {
      h.sworker.outcome.set(A, 'vanish')
      h.chain.addFile(A)
      h.chain.produce([{ kind: 'ordered', cid: A }])
      const failed = await h.waitFor(A, (t) => t.status === 'failed', 'failed')
      assert.equal(failed.reason, 'sealFailed')
    } finally {
      await h.stop()
    }
  })
})

describe('smanager: expiry, settlement and deletion', () => {
  it('behavior: an expired file is settled once (nonce clash retried), then deleted when its order closes', async () => {
    const h = await startHarness({ setup: ({ chain }) => void chain.addFile(A) })
    try {
      await h.waitFor(A, (t) => t.status === 'sealed', 'sealed')
      // the first report starts the order's period (no market event): the refresh notices
      h.chain.orders.get(A)!.expiredAt = h.chain.number + 2
      h.chain.settleErrors.push(new SmanagerError(SmanagerErrorCode.SETTLE_FAILED, '1014: Priority is too low', { retryable: true }))
      h.chain.produce()
      h.chain.produce()
      const settled = await h.waitFor(A, (t) => t.history.at(-1)?.reason === 'settled', 'settled')
      assert.equal(settled.status, 'expired')
      assert.equal(settled.reason, 'orderExpired', 'settling is noted in the history, not a status change')
      assert.equal(settled.settledExpiry, settled.expiredAt)
      assert.deepEqual(h.chain.settleCalls, [A, A], 'resubmitted once after the clash')
      h.chain.produce()
      h.chain.produce()
      await new Promise((r) => setImmediate(r))
      assert.equal(h.chain.settleCalls.length, 2, 'once per expiry')
      // the settlement closed the file
      h.chain.orders.delete(A)
      h.chain.produce([
        { kind: 'calculated', cid: A },
        { kind: 'closed', cid: A, reason: 'fileClosed' },
      ])
      const deleted = await h.waitFor(A, (t) => t.status === 'deleted', 'deleted')
      assert.equal(deleted.reason, 'orderClosed')
      assert.deepEqual(h.sworker.deletes, [A])
      assert.deepEqual(h.ipfs.unpins, [A])
      assert.deepEqual(h.statuses(A).slice(-4), ['sealed', 'expired', 'deleting', 'deleted'])
    } finally {
      await h.stop()
    }
  })

  it('behavior: a renewal puts an expired file back to sealed', async () => {
    const h = await startHarness({ config: { settle: false }, setup: ({ chain }) => void chain.addFile(A) })
    try {
      await h.waitFor(A, (t) => t.status === 'sealed', 'sealed')
      h.chain.orders.get(A)!.expiredAt = h.chain.number + 1
      h.chain.produce()
      await h.waitFor(A, (t) => t.status === 'expired', 'expired')
      assert.deepEqual(h.chain.settleCalls, [], 'settling is off')
      h.chain.orders.get(A)!.expiredAt = h.chain.number + 100
      h.chain.produce([{ kind: 'renewed', cid: A }])
      const renewed = await h.waitFor(A, (t) => t.status === 'sealed', 'renewed')
      assert.equal(renewed.reason, 'renewed')
    } finally {
      await h.stop()
    }
  })

  it('behavior: closing an order mid-pull aborts the pull and deletes what was fetched', async () => {
    const h = await startHarness()
    try {
      h.ipfs.behaviour.set(A, 'hang')
      h.chain.addFile(A)
      h.chain.produce([{ kind: 'ordered', cid: A }])
      await h.waitFor(A, (t) => t.status === 'pulling' && t.progress?.blocks === 1, 'pulling')
      h.chain.orders.delete(A)
      h.chain.produce([{ kind: 'closed', cid: A, reason: 'illegalFileClosed' }])
      const deleted = await h.waitFor(A, (t) => t.status === 'deleted', 'deleted')
      assert.equal(deleted.reason, 'illegalFileClosed')
      assert.deepEqual(h.ipfs.aborted, [A])
      assert.deepEqual(h.ipfs.unpins, [A])
    } finally {
      await h.stop()
    }
  })

  it('behavior: an order closed while nothing was held is marked deleted without calls', async () => {
    const h = await startHarness({ config: { maxReplicas: 1 } })
    try {
      h.chain.addFile(A, { replicas: 1 })
      h.chain.produce([{ kind: 'ordered', cid: A }])
      await h.waitFor(A, (t) => t.status === 'skipped', 'skipped')
      h.chain.orders.delete(A)
      h.chain.produce([{ kind: 'calculated', cid: A }])
      assert.equal((await h.waitFor(A, (t) => t.status === 'deleted', 'deleted')).reason, 'orderClosed')
      assert.deepEqual(h.sworker.deletes, [])
    } finally {
      await h.stop()
    }
  })
})

describe('smanager: restart and groups', () => {
  it('behavior: tasks survive a restart; interrupted ones are checked against the sWorker', async () => {
    const h = await startHarness({
      setup: async ({ chain, sworker, store }) => {
        for (const cid of [A, B, C]) {
          chain.addFile(cid)
          await store.create({ cid, size: 1000, expiredAt: 0, replicas: 0, source: 'chainEvent' }, 'orderPlaced')
          await store.transition(cid, 'pulling', 'picked', { attempts: 1 })
        }
        await store.transition(B, 'sealing', 'pulled')
        sworker.files.set(A, { type: 'valid' })
        sworker.files.set(B, { type: 'pending', sealed_size: 0 })
      },
    })
    try {
      assert.equal((await h.waitFor(A, (t) => t.status === 'sealed', 'A')).reason, 'handled')
      const b = await h.waitFor(B, (t) => t.status === 'sealed', 'B')
      assert.ok(b.history.some((e) => e.reason === 'resumed'))
      const c = await h.waitFor(C, (t) => t.status === 'sealed', 'C retried', true)
      assert.ok(c.history.some((e) => e.status === 'failed' && e.reason === 'interrupted'))
      assert.equal(c.attempts, 2)
      await h.restart()
      assert.deepEqual(
        h.sm
          .tasks({ status: 'sealed' })
          .map((t) => t.cid)
          .sort(),
        [A, B, C].sort(),
      )
      // an order that closed while the node was down is cleaned up by the start-up scan
      await h.sm.stop()
      h.chain.orders.delete(C)
      await h.restart()
      assert.equal((await h.waitFor(C, (t) => t.status === 'deleted', 'C deleted')).reason, 'orderGone')
    } finally {
      await h.stop()
    }
  })

  it('behavior: a member node takes only its shard of the orders (cid mod members == index)', async () => {
    const members = ['5Aaa', ME, '5Zzz'].sort()
    const index = members.indexOf(ME)
    const h = await startHarness({ role: 'member', setup: ({ chain }) => void (chain.group_ = { owner: '5Owner', members }) })
    try {
      const cids = [A, B, C, D]
      for (const cid of cids) h.chain.addFile(cid)
      h.chain.produce(cids.map((cid) => ({ kind: 'ordered' as const, cid })))
      for (const cid of cids) {
        const mine = cidToBigInt(cid) % 3n === BigInt(index)
        const t = await h.waitFor(cid, (x) => x.status === (mine ? 'sealed' : 'skipped'), cid)
        if (!mine) assert.equal(t.reason, 'nodeSkipped')
      }
    } finally {
      await h.stop()
    }
  })

  it('behavior: a member without a group waits (noGroup); an isolation node needs none', async () => {
    const h = await startHarness({ role: 'member' })
    try {
      h.chain.addFile(A)
      h.chain.produce([{ kind: 'ordered', cid: A }])
      const t = await h.waitFor(A, (x) => x.reason === 'noGroup', 'noGroup')
      assert.equal(t.status, 'new')
    } finally {
      await h.stop()
    }
  })
})
