import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { TaskStore } from '../src/store/index.js'

const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'

describe('store: tasks', () => {
  let dir: string
  let clock: number
  const open = (historyLimit = 50) => TaskStore.open({ path: join(dir, 'tasks'), historyLimit, now: () => clock })

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smanager-store-'))
    clock = 1000
  })

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: a task starts new and each transition adds a history entry with its reason', async () => {
    const store = open()
    const { task, created } = await store.create({ cid: CID, size: 10, expiredAt: 0, replicas: 0, source: 'chainEvent' }, 'orderPlaced', 5)
    assert.equal(created, true)
    assert.equal(task.status, 'new')
    assert.deepEqual(task.history, [{ at: 1000, status: 'new', reason: 'orderPlaced', block: 5 }])
    clock = 2000
    await store.transition(CID, 'pulling', 'picked', { attempts: 1 }, 6)
    clock = 3000
    const failed = await store.transition(CID, 'failed', 'pullIdleTimeout', { lastError: 'no block', nextAttemptAt: 13_000 })
    assert.equal(failed.status, 'failed')
    assert.equal(failed.reason, 'pullIdleTimeout')
    assert.equal(failed.attempts, 1)
    assert.equal(failed.updatedAt, 3000)
    assert.deepEqual(
      failed.history.map((h) => [h.status, h.reason]),
      [
        ['new', 'orderPlaced'],
        ['pulling', 'picked'],
        ['failed', 'pullIdleTimeout'],
      ],
    )
    const again = await store.create({ cid: CID, size: 99, expiredAt: 0, replicas: 0, source: 'dbScan' }, 'foundInScan')
    assert.equal(again.created, false)
    assert.equal(again.task.size, 10, 'an existing task is not replaced')
    await store.close()
  })

  it('behavior: tasks, their history and meta values survive a restart', async () => {
    const store = open()
    await store.create({ cid: CID, size: 10, expiredAt: 0, replicas: 0, source: 'chainEvent' }, 'orderPlaced')
    await store.transition(CID, 'sealing', 'pulled')
    await store.transition(CID, 'sealed', 'sealed', { lastError: undefined, settledExpiry: 7 })
    await store.putMeta('lastBlock', 42)
    await store.close()

    const reopened = open()
    const task = reopened.get(CID)!
    assert.equal(task.status, 'sealed')
    assert.equal(task.settledExpiry, 7)
    assert.equal('lastError' in task, false, 'cleared fields are gone')
    assert.deepEqual(
      task.history.map((h) => h.status),
      ['new', 'sealing', 'sealed'],
    )
    assert.equal(reopened.getMeta<number>('lastBlock'), 42)
    assert.deepEqual(
      reopened.byStatus('sealed').map((t) => t.cid),
      [CID],
    )
    assert.deepEqual(reopened.byStatus('new'), [])
    await reopened.close()
  })

  it('behavior: a note adds a history entry under the current status without changing it', async () => {
    const store = open()
    await store.create({ cid: CID, size: 10, expiredAt: 0, replicas: 0, source: 'chainEvent' }, 'orderPlaced')
    await store.transition(CID, 'expired', 'orderExpired')
    const noted = await store.note(CID, 'settled', { settledExpiry: 9 }, 12)
    assert.equal(noted.status, 'expired')
    assert.equal(noted.reason, 'orderExpired')
    assert.equal(noted.settledExpiry, 9)
    assert.deepEqual(noted.history.at(-1), { at: 1000, status: 'expired', reason: 'settled', block: 12 })
    await store.close()
  })

  it('behavior: history keeps the newest entries up to the limit', async () => {
    const store = open(3)
    await store.create({ cid: CID, size: 10, expiredAt: 0, replicas: 0, source: 'chainEvent' }, 'orderPlaced')
    for (let i = 0; i < 5; i++) await store.transition(CID, 'failed', `try${i}`)
    assert.deepEqual(
      store.get(CID)!.history.map((h) => h.reason),
      ['try2', 'try3', 'try4'],
    )
    await store.close()
  })

  it('behavior: every change is reported to onChange', async () => {
    const store = open()
    const seen: string[] = []
    store.onChange = (t) => seen.push(`${t.status}:${t.reason}`)
    await store.create({ cid: CID, size: 10, expiredAt: 0, replicas: 0, source: 'chainEvent' }, 'orderPlaced')
    await store.update(CID, { replicas: 2 })
    await store.transition(CID, 'skipped', 'tooManyReplicas')
    assert.deepEqual(seen, ['new:orderPlaced', 'new:orderPlaced', 'skipped:tooManyReplicas'])
    await store.close()
  })

  it('error: transitions of an unknown CID throw SMANAGER_ERROR_TASK_NOT_FOUND', async () => {
    const store = open()
    await assert.rejects(store.transition(CID, 'sealed', 'x'), { code: 'SMANAGER_ERROR_TASK_NOT_FOUND' })
    await store.close()
  })
})
