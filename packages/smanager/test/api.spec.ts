import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createSmanagerApi, type SmanagerApi } from '../src/api/index.js'
import { type Harness, startHarness } from './fixtures/fakes.js'

const A = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const B = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'

describe('api: tasks over HTTP', () => {
  let h: Harness
  let api: SmanagerApi
  let base: string

  before(async () => {
    h = await startHarness({
      config: { maxReplicas: 2 },
      setup: ({ chain }) => {
        chain.addFile(A)
        chain.addFile(B, { replicas: 5 })
      },
    })
    await h.waitFor(A, (t) => t.status === 'sealed', 'A sealed')
    await h.waitFor(B, (t) => t.status === 'skipped', 'B skipped')
    api = createSmanagerApi(h.sm, { port: 0 })
    const { host, port } = await api.start()
    assert.equal(host, '127.0.0.1')
    base = `http://${host}:${port}/api/v0`
  })

  after(async () => {
    await api.stop()
    await h.stop()
  })

  it('behavior: GET /tasks lists every task, ?status= filters', async () => {
    const all = (await (await fetch(`${base}/tasks`)).json()) as { tasks: Array<{ cid: string }> }
    assert.deepEqual(all.tasks.map((t) => t.cid).sort(), [A, B].sort())
    const res = await fetch(`${base}/tasks?status=skipped`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/json')
    const skipped = (await res.json()) as { tasks: Array<{ cid: string; reason: string }> }
    assert.deepEqual(
      skipped.tasks.map((t) => [t.cid, t.reason]),
      [[B, 'tooManyReplicas']],
    )
  })

  it('behavior: GET /tasks/<cid> gives the task with its history', async () => {
    const res = await fetch(`${base}/tasks/${A}`)
    assert.equal(res.status, 200)
    const task = (await res.json()) as { cid: string; status: string; history: Array<{ status: string; reason: string }> }
    assert.equal(task.cid, A)
    assert.equal(task.status, 'sealed')
    assert.deepEqual(
      task.history.map((e) => e.status),
      ['new', 'pulling', 'sealing', 'sealed'],
    )
  })

  it('error: an unknown CID is 404 with code SMANAGER_API_TASK_NOT_FOUND', async () => {
    const res = await fetch(`${base}/tasks/QmUnknown`)
    assert.equal(res.status, 404)
    assert.deepEqual(await res.json(), { code: 'SMANAGER_API_TASK_NOT_FOUND', message: 'no task for this CID', meta: { cid: 'QmUnknown' } })
  })

  it('error: a bad status, an unknown path and a POST are refused with codes', async () => {
    const bad = await fetch(`${base}/tasks?status=nope`)
    assert.equal(bad.status, 400)
    assert.equal(((await bad.json()) as { code: string }).code, 'SMANAGER_API_INVALID_STATUS')
    const unknown = await fetch(`${base}/other`)
    assert.equal(unknown.status, 404)
    assert.equal(((await unknown.json()) as { code: string }).code, 'SMANAGER_API_NOT_FOUND')
    const post = await fetch(`${base}/tasks`, { method: 'POST' })
    assert.equal(post.status, 405)
    assert.equal(((await post.json()) as { code: string }).code, 'SMANAGER_API_METHOD_NOT_ALLOWED')
  })
  it('error: GET /challenges on a node that does not answer challenges is a 404 with its code', async () => {
    const res = await fetch(`${base}/challenges`)
    assert.equal(res.status, 404)
    assert.equal(((await res.json()) as { code: string }).code, 'SMANAGER_API_CHALLENGES_OFF')
  })
})
