/** `pin/add?progress=true`: Kubo's `{Progress}` NDJSON lines while the DAG is walked, then `{Pins}`. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { type ApiFixture, startApi } from './fixtures/api-server.js'
import { deterministicBytes } from './fixtures/deterministic.js'
import { createTcpNode } from './fixtures/tcp-node.js'

function lines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('api: pin/add progress', () => {
  let api: ApiFixture

  before(async () => {
    api = await startApi(await createTcpNode({ fetchTimeoutMs: 60_000 }))
  })

  after(async () => {
    await api.stop()
  })

  it('behavior: without progress the answer is one {Pins} value', async () => {
    const added = await api.client.add(deterministicBytes(300 * 1024, 'pin-plain'), { pin: false })
    const res = await api.call('pin/add', `arg=${added.cid}`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-chunked-output'), null)
    assert.deepEqual(lines(await res.text()), [{ Pins: [added.cid.toString()] }])
  })

  it('behavior: with progress the last lines are the block count then {Pins}', async () => {
    // 1 MiB + 1 byte in 256 KiB chunks: 5 leaves under one root
    const added = await api.client.add(deterministicBytes(1024 * 1024 + 1, 'pin-progress'), { pin: false })
    const res = await api.call('pin/add', `arg=${added.cid}&progress=true`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-chunked-output'), '1')
    const out = lines(await res.text())
    assert.deepEqual(out.at(-1), { Pins: [added.cid.toString()] })
    assert.deepEqual(out.at(-2), { Progress: 6 }, 'every block of the DAG was visited')
    const counts = out.slice(0, -1).map((l) => (l.Progress as number | undefined) ?? 0)
    assert.ok(
      counts.every((c, i) => i === 0 || c >= counts[i - 1]!),
      'progress only grows',
    )
    const pinned = await api.client.pin.ls({ paths: [added.cid] })
    for await (const p of pinned) assert.equal(p.type, 'recursive')
  })

  it('behavior: while a block cannot be found, an empty progress line comes every tick', async () => {
    const missing = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('nobody has this block')))
    const controller = new AbortController()
    const res = await api.call('pin/add', `arg=${missing}&progress=true`, { signal: controller.signal })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-chunked-output'), '1')
    const reader = res.body!.getReader()
    let text = ''
    while (text.split('\n').length < 3) {
      const { value, done } = await reader.read()
      if (done) break
      text += Buffer.from(value).toString()
    }
    controller.abort()
    await reader.cancel().catch(() => {})
    assert.deepEqual(lines(text).slice(0, 2), [{}, {}], 'Kubo omits Progress while it is 0')
  })
})
