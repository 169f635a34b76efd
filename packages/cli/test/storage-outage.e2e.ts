/**
 * The node that uploaded a file goes down and comes back, on `crust dev` with two storage nodes.
 * Node A takes the upload and is itself one of the two replicas. While A is killed (SIGKILL), the
 * file comes back byte-identical from node B's gateway: B holds the bytes and does not need the
 * uploader. Restarted with the command crust dev ran it with, A reports again, and its own state
 * shows it kept what it had sealed: its sWorker holds the file as valid with the sealing block of
 * before and unseals every block of it, and its sManager's task for it made no new pull attempt.
 * Meanwhile a new storage node with no IPFS link to either (no --bootstrap) fetches the file from
 * the holders its chain names by their peer records.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { alive, connectApi, type DevProcess, makeBasePath, devArgs, startDev, waitFor, writeDevSpec } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'
import { pseudoRandom } from './fixtures/bytes.js'
import { type StorageProcess, startStorage } from './fixtures/storage-process.js'

const REPORT_SLOT = 10
const MiB = 1024 * 1024

interface SmanagerTask {
  status: string
  attempts: number
  history: Array<{ status: string }>
}

/** The sWorker's `file/info` entry (crust-sworker's shape). */
interface SworkerFile {
  type: string
  size: number
  s_size: number
  c_block_num: number
}

describe('the uploading storage node down and back (crust dev)', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise
  let restarted: StorageProcess | undefined
  let newcomer: StorageProcess | undefined

  before(async () => {
    await cryptoWaitReady()
    const spec = writeDevSpec(base.path, { reportSlot: REPORT_SLOT, fileDuration: 360, eraLength: 6 * REPORT_SLOT })
    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 2, srdUnits: 1, srdUnit: 16 * MiB, gateway: false }))
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await api?.disconnect()
    restarted?.child.kill('SIGKILL')
    await restarted?.exited
    newcomer?.child.kill('SIGKILL')
    await newcomer?.exited
    await dev?.stop()
    for (const n of dev?.nodes ?? []) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL')
    base.remove()
  })

  const bytes = pseudoRandom(4 * MiB, 11)
  let cid: string
  let sealedBefore: SworkerFile
  let taskBefore: SmanagerTask
  let killedAt: number

  const task = async (smanagerApi: string) => (await (await fetch(`${smanagerApi}/api/v0/tasks/${cid}`)).json()) as SmanagerTask
  const sealed = async (sworkerApi: string) => {
    const res = await fetch(`${sworkerApi}/api/v0/file/info?cid=${cid}`)
    return res.status === 200 ? ((await res.json()) as Record<string, SworkerFile>)[cid] : undefined
  }
  const pulls = (t: SmanagerTask) => t.history.filter((h) => h.status === 'pulling').length

  it('behavior: with the uploading node killed, the file comes back byte-identical from the other node', async () => {
    const [a, b] = [dev.nodes[0]!, dev.nodes[1]!]
    const file = join(base.path, 'data.bin')
    writeFileSync(file, bytes)
    const run = await runCrust(['upload', file, '--api', a.ipfsApi, '--chain', dev.chainRpc, '--account', '//Alice', '--replicas', '2', '--timeout', '240000'])
    assert.equal(run.code, 0, run.stderr)
    cid = /^cid\s+(\S+)$/m.exec(run.stdout)?.[1] ?? ''
    assert.notEqual(cid, '', run.stdout)
    // Both nodes hold a reported replica, A (the uploader) among them.
    const info = (await api.query.market.filesV2(cid)).toJSON() as { replicas: Record<string, { who: string; isReported: boolean }> }
    const holders = Object.values(info.replicas)
      .filter((r) => r.isReported)
      .map((r) => r.who)
      .sort()
    assert.deepEqual(holders, [a.account, b.account].sort())
    // What A's own sWorker and sManager hold before it goes down.
    sealedBefore = (await sealed(a.sworkerApi))!
    assert.equal(sealedBefore?.type, 'valid')
    taskBefore = await task(a.smanagerApi)
    assert.equal(taskBefore.status, 'sealed')
    assert.equal(pulls(taskBefore), 1, 'A pulled it once (from its own IPFS node)')

    killedAt = (await api.rpc.chain.getHeader()).number.toNumber()
    process.kill(a.pid, 'SIGKILL')
    await waitFor(async () => (alive(a.pid) ? undefined : true), 'node A to die')
    await assert.rejects(fetch(`${a.ipfsApi}/api/v0/id`, { method: 'POST' }), 'A is down')
    const res = await fetch(`${b.gateway}/ipfs/${cid}`)
    assert.equal(res.status, 200)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes)
  })

  it('behavior: a new storage node linked only to the validators fetches the file from the holder its chain names, past the dead one', async () => {
    const [a, b] = [dev.nodes[0]!, dev.nodes[1]!]
    const command = JSON.parse(readFileSync(join(a.dir, 'command.json'), 'utf8')) as { args: string[] }
    // A's command with its own folder and account, and no --bootstrap: its only IPFS links are what the chain names.
    const args: string[] = []
    for (let i = 1; i < command.args.length; i++) {
      const arg = command.args[i]!
      if (arg === '--bootstrap') {
        while (command.args[i + 1] !== undefined && !command.args[i + 1]!.startsWith('--')) i++
        continue
      }
      args.push(arg)
      if (arg === '--base-path') args.push(join(base.path, 'node-d'))
      else if (arg === '--account') args.push('//Dave')
      else if (arg.endsWith('-port')) args.push('0')
      else continue
      i++
    }
    assert.equal(args.includes('--bootstrap'), false)
    newcomer = await startStorage<{ ipfsApi: string; peerId: string }>(args)
    const { ipfsApi } = newcomer.endpoints
    // Both holders published where to reach them; A is dead, B answers.
    const status = await runCrust(['status', cid, '--chain', dev.chainRpc, '--json'])
    assert.equal(status.code, 0, status.stderr)
    const replicas = (JSON.parse(status.stdout) as { replicas: Array<{ who: string; peer: { peerId: string } | null }> }).replicas
    for (const node of [a, b]) {
      assert.equal(replicas.find((r) => r.who === node.account)?.peer?.peerId, node.peerId, `crust status shows ${node.name}'s peer record`)
    }
    const res = await fetch(`${ipfsApi}/api/v0/cat?arg=${cid}`, { method: 'POST' })
    assert.equal(res.status, 200)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes)
    const peers = (await (await fetch(`${ipfsApi}/api/v0/swarm/peers`, { method: 'POST' })).json()) as { Peers: Array<{ Peer: string }> | null }
    assert.ok(
      (peers.Peers ?? []).some((p) => p.Peer === b.peerId),
      'the new node dialled B, the live holder',
    )
    // As D ranks the holders now: B, which served every block, first; A, dead, below it or never reached.
    const ranked = await runCrust(['status', cid, '--chain', dev.chainRpc, '--json', '--api', ipfsApi])
    assert.equal(ranked.code, 0, ranked.stderr)
    const rankOf = (who: string) =>
      (JSON.parse(ranked.stdout) as { replicas: Array<{ who: string; retrieval: { rank: number; successes: number } | null }> }).replicas.find(
        (r) => r.who === who,
      )!.retrieval
    const [rankA, rankB] = [rankOf(a.account), rankOf(b.account)]
    assert.equal(rankB?.rank, 1, `D ranks B first: ${ranked.stdout}`)
    assert.ok(rankB!.successes > 0)
    assert.ok(rankA === null || rankA.rank > 1, 'A, dead, is not ranked above B')
    // Asked through A's API, which is down: one error line saying no API answers there, exit 1.
    const [text, unreachable] = await Promise.all([
      runCrust(['status', cid, '--chain', dev.chainRpc, '--api', ipfsApi]),
      runCrust(['status', cid, '--chain', dev.chainRpc, '--api', a.ipfsApi]),
    ])
    assert.match(text.stdout, new RegExp(`peer ${b.peerId}.*\\n    rank 1 of \\d+ at `))
    assert.equal(unreachable.code, 1, unreachable.stderr)
    assert.match(unreachable.stderr.trimEnd(), /^error: no IPFS API answers at http:\/\/127\.0\.0\.1:\d+.*\(SDK_ERROR_IPFS_UNREACHABLE\)$/)
  })

  it('behavior: restarted, the uploading node reports again with the sealed file it kept, and pulls nothing again', async () => {
    const a = dev.nodes[0]!
    const command = JSON.parse(readFileSync(join(a.dir, 'command.json'), 'utf8')) as { args: string[] }
    assert.equal(command.args[0], 'node')
    restarted = await startStorage<{ sworkerApi: string; smanagerApi: string }>(command.args.slice(1))
    const { sworkerApi, smanagerApi } = restarted.endpoints
    // A work report for a slot that began after the kill: the restarted process made it.
    const anchor = ((await api.query.swork.identities(a.account)).toJSON() as { anchor: string }).anchor
    await waitFor(
      async () => {
        const wr = (await api.query.swork.workReports(anchor)).toJSON() as { reportSlot: number } | null
        return wr !== null && wr.reportSlot > killedAt ? true : undefined
      },
      "A's first work report after the restart",
      120_000,
    )
    const replica = Object.values(
      ((await api.query.market.filesV2(cid)).toJSON() as { replicas: Record<string, { who: string; isReported: boolean }> }).replicas,
    ).find((r) => r.who === a.account)
    assert.equal(replica?.isReported, true, "A's replica is reported")
    // Its sWorker still holds the file it sealed before the kill, as valid: not sealed anew, and
    // every sealed block unseals (the sWorker checks each against its CID): their sizes add up to the DAG's.
    assert.deepEqual(await sealed(sworkerApi), sealedBefore)
    const token = readFileSync(join(a.dir, 'sworker', 'api-token'), 'utf8').trim()
    const unsealed: Array<{ cid: string | null; size: number }> = []
    for (;;) {
      const res = await fetch(`${sworkerApi}/api/v0/storage/unseal`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ path: `${cid}/${unsealed.length}` }),
      })
      if (res.status !== 200) break
      unsealed.push({ cid: res.headers.get('x-block-cid'), size: (await res.arrayBuffer()).byteLength })
    }
    assert.equal(unsealed[0]?.cid, cid, 'block 0 is the root')
    assert.equal(
      unsealed.reduce((n, b) => n + b.size, 0),
      sealedBefore.size,
      'all sealed blocks unseal',
    )
    // Its sManager's task is the one from before: sealed, with no new pull.
    const now = await task(smanagerApi)
    assert.equal(now.status, 'sealed')
    assert.equal(now.attempts, taskBefore.attempts, 'no new pull attempt')
    assert.equal(pulls(now), pulls(taskBefore), 'no new pulling in its history')
  })
})
