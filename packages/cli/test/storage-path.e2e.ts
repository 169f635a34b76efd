/**
 * The whole storage path on `crust dev`: a file added through node A and ordered on chain is
 * pulled, sealed and reported by all three storage nodes; its bytes come back from node C's
 * gateway; a node killed with SIGKILL stops being counted and counts again after a restart; the
 * order expires and the nodes settle it and delete the file.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { type DevProcess, startDev, writeDevSpec } from './fixtures/dev-process.js'
import { connectApi, makeBasePath, waitFor } from './fixtures/node-process.js'

const REPORT_SLOT = 10
const FILE_DURATION = 240
const MiB = 1024 * 1024

interface FileInfo {
  fileSize: number
  expiredAt: number
  reportedReplicaCount: number
  replicas: Record<string, { who: string; isReported: boolean }>
}

function pseudoRandom(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('the storage path on crust dev', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const restarted: Array<ReturnType<typeof spawn>> = []

  const fileInfo = async (cid: string) => (await api.query.market.filesV2(cid)).toJSON() as unknown as FileInfo | null

  async function addFile(bytes: Uint8Array, name: string): Promise<{ cid: string; size: number }> {
    const form = new FormData()
    form.append('file', new Blob([bytes]), name)
    const added = (await (await fetch(`${dev.nodes[0]!.ipfsApi}/api/v0/add?cid-version=1`, { method: 'POST', body: form })).json()) as { Hash: string }
    const stat = (await (await fetch(`${dev.nodes[0]!.ipfsApi}/api/v0/files/stat?arg=/ipfs/${added.Hash}`, { method: 'POST' })).json()) as { CumulativeSize: number }
    return { cid: added.Hash, size: stat.CumulativeSize }
  }

  async function order(cid: string, size: number): Promise<void> {
    const alice = keyring.addFromUri('//Alice')
    await new Promise<void>((resolve, reject) => {
      api.tx.market.placeStorageOrder(cid, size, 0, '').signAndSend(alice, (r) => {
        if (!r.status.isInBlock) return
        if (r.dispatchError !== undefined) reject(new Error(`order failed: ${r.dispatchError.toString()}`))
        else resolve()
      }).catch(reject)
    })
  }

  before(async () => {
    await cryptoWaitReady()
    const spec = writeDevSpec(base.path, { reportSlot: REPORT_SLOT, fileDuration: FILE_DURATION, eraLength: 6 * REPORT_SLOT })
    dev = await startDev(join(base.path, 'dev'), ['--chain', spec, '--block-time', '500', '--storage-nodes', '3', '--srd-units', '2', '--srd-unit', String(16 * MiB)])
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await api?.disconnect()
    for (const child of restarted) child.kill('SIGKILL')
    if (dev !== undefined && dev.child.exitCode === null) {
      dev.child.kill('SIGINT')
      await dev.exited
    }
    for (const n of dev?.nodes ?? []) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL')
    base.remove()
  })

  let cid: string
  let bytes: Uint8Array

  it('behavior: an ordered 20 MiB file gets three reported replicas, one per storage node', async () => {
    bytes = pseudoRandom(20 * MiB, 7)
    const added = await addFile(bytes, 'data.bin')
    cid = added.cid
    await order(cid, added.size)
    const file = await waitFor(async () => {
      const f = await fileInfo(cid)
      return f !== null && f.reportedReplicaCount >= 3 ? f : undefined
    }, 'three reported replicas', 240_000)
    assert.equal(file.fileSize, added.size)
    const holders = Object.values(file.replicas).map((r) => r.who).sort()
    assert.deepEqual(holders, dev.nodes.map((n) => n.account).sort())
    // Every node's sManager explains what it did.
    for (const node of dev.nodes) {
      const task = (await (await fetch(`${node.smanagerApi}/api/v0/tasks/${cid}`)).json()) as { status: string; history: Array<{ status: string }> }
      assert.equal(task.status, 'sealed', `${node.name} sealed it`)
      assert.ok(task.history.some((h) => h.status === 'pulling'))
    }
  })

  it('behavior: the bytes come back identical from node C gateway, ranges included', async () => {
    const gateway = dev.nodes[2]!.gateway
    const whole = await fetch(`${gateway}/ipfs/${cid}`)
    assert.equal(whole.status, 200)
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), bytes)
    const range = await fetch(`${gateway}/ipfs/${cid}`, { headers: { range: 'bytes=1000000-1000999' } })
    assert.equal(range.status, 206)
    assert.deepEqual(new Uint8Array(await range.arrayBuffer()), bytes.subarray(1_000_000, 1_001_000))
  })

  it('behavior: a storage node killed with SIGKILL stops being counted; restarted, it reports again', async () => {
    const victim = dev.nodes[1]!
    process.kill(victim.pid, 'SIGKILL')
    await waitFor(async () => (alive(victim.pid) ? undefined : true), 'the node to die')
    const replicaOf = async () => Object.values((await fileInfo(cid))?.replicas ?? {}).find((r) => r.who === victim.account)
    await waitFor(async () => ((await replicaOf())?.isReported === false ? true : undefined), 'its replica to stop being reported', 120_000)
    // The file stays readable from the others.
    const res = await fetch(`${dev.nodes[0]!.gateway}/ipfs/${cid}`, { headers: { range: 'bytes=0-99' } })
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(0, 100))
    // Restart it exactly as crust dev ran it.
    const command = JSON.parse(readFileSync(join(victim.dir, 'command.json'), 'utf8')) as { bin: string; args: string[] }
    const child = spawn(process.execPath, [command.bin, ...command.args], { stdio: 'ignore' })
    restarted.push(child)
    await waitFor(async () => ((await replicaOf())?.isReported === true ? true : undefined), 'its replica to be reported again', 120_000)
  })

  it('behavior: without prepaid the order expires; the nodes settle it and delete the file', async () => {
    await waitFor(async () => ((await fileInfo(cid)) === null ? true : undefined), 'the order to be settled and closed', 240_000)
    for (const node of [dev.nodes[0]!, dev.nodes[2]!]) {
      await waitFor(async () => ((await fetch(`${node.sworkerApi}/api/v0/file/info?cid=${cid}`)).status === 404 ? true : undefined), `${node.name} to delete the sealed file`, 60_000)
    }
  })
})
