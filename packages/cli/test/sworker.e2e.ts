/**
 * `crust sworker` as a real process against a `crust node` child (short report slot) and a
 * `crust ipfs daemon` child: its API on a free port (`--api-port 0`, announced in its log),
 * `crust sworker workload|srd|file-info` against it (srd with the token from its data folder, and
 * refused beyond the free disk), a file added to IPFS, ordered by Alice and
 * sealed through `storage/seal_start`, the next work report listing Eve's replica on chain, and a
 * clean stop on SIGTERM.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import { create } from 'kubo-rpc-client'
import { type IpfsProcess, runCrust, startIpfsDaemon } from './fixtures/ipfs-process.js'
import { CLI_BIN, connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'

const REPORT_SLOT = 10
const SRD_UNIT = 1024 * 1024
const GB = 1024 ** 3

interface SworkerProcess {
  child: ChildProcess
  api: string
  logs: string[]
  exited: Promise<number | string>
}

/** Starts `crust sworker` and waits for its "sWorker running" log line, which names the API port. */
async function startSworker(args: string[]): Promise<SworkerProcess> {
  const child = spawn(process.execPath, [CLI_BIN, 'sworker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: string[] = []
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')))
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line)
      try {
        const entry = JSON.parse(line) as { msg?: string; api?: number }
        if (entry.msg === 'sWorker running' && typeof entry.api === 'number') resolve(entry.api)
      } catch {
        // not a log line
      }
    })
    exited.then((code) => reject(new Error(`crust sworker exited (${code}) before running:\n${logs.join('\n')}`)))
  })
  return { child, api: `http://127.0.0.1:${port}`, logs, exited }
}

async function crustJson(args: string[]): Promise<Record<string, unknown>> {
  const run = await runCrust(args)
  assert.equal(run.code, 0, `crust ${args.join(' ')} failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as Record<string, unknown>
}

describe('crust sworker (process)', () => {
  const base = makeBasePath()
  let node: NodeProcess
  let ipfs: IpfsProcess
  let sworker: SworkerProcess
  let api: ApiPromise

  before(async () => {
    await cryptoWaitReady()
    const spec = { ...builtinSpec('dev')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: 400, eraLength: 6 * REPORT_SLOT } }
    const specFile = join(base.path, 'spec.json')
    writeFileSync(specFile, JSON.stringify(spec))
    node = await startNode(join(base.path, 'chain'), ['--chain', specFile])
    ipfs = await startIpfsDaemon(join(base.path, 'ipfs'))
    api = await connectApi(node.url)
  })

  after(async () => {
    await api?.disconnect()
    for (const p of [sworker, ipfs, node]) {
      if (p === undefined) continue
      p.child.kill('SIGTERM')
      await p.exited
    }
    base.remove()
  })

  it('behavior: runs on a free port, answers the CLI, seals an ordered file, reports Eve’s replica and stops on SIGTERM', async () => {
    sworker = await startSworker([
      '--data',
      join(base.path, 'sworker'),
      '--chain',
      node.url,
      '--ipfs',
      ipfs.api,
      '--account',
      '//Eve',
      '--api-port',
      '0',
      '--srd-unit',
      String(SRD_UNIT),
    ])
    const eve = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Eve')
    const alice = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Alice')

    // The enclave identity is registered on chain for Eve.
    await waitFor(async () => ((await api.query.swork.identities(eve.address)).isEmpty ? undefined : true), "Eve's registration")

    // workload and srd through the CLI.
    const workload = (await crustJson(['sworker', 'workload', '--api', sworker.api])) as {
      files: { valid: { num: number } }
      srd: { srd_unit_size: number; srd_complete: number }
    }
    assert.equal(workload.files.valid.num, 0)
    assert.equal(workload.srd.srd_unit_size, SRD_UNIT)
    assert.equal(workload.srd.srd_complete, 0)
    // srd changes state: it needs the token from the sWorker's data folder (mode 0600).
    const tokenFile = join(base.path, 'sworker', 'api-token')
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600)
    const token = readFileSync(tokenFile, 'utf8').trim()
    const noToken = await runCrust(['sworker', 'srd', '1', '--api', sworker.api, '--data', join(base.path, 'nowhere')])
    assert.notEqual(noToken.code, 0)
    assert.match(noToken.stderr, /cannot read the sWorker API token/)
    const tooMuch = await runCrust(['sworker', 'srd', String(10 ** 12), '--api', sworker.api, '--data', join(base.path, 'sworker')])
    assert.notEqual(tooMuch.code, 0)
    assert.match(tooMuch.stderr, /not enough free disk .*room for \d+.*\(HTTP 409\)/)
    const srd = (await crustJson(['sworker', 'srd', '1', '--api', sworker.api, '--data', join(base.path, 'sworker')])) as { added: number }
    assert.equal(srd.added, 1)
    const grown = (await crustJson(['sworker', 'workload', '--api', sworker.api])) as { srd: { srd_complete: number } }
    assert.equal(grown.srd.srd_complete, SRD_UNIT / GB)

    // A file in IPFS, ordered by Alice (before sealing, so that no report lists it before the order exists).
    const kubo = create({ url: ipfs.api })
    const { cid } = await kubo.add(randomBytes(2 * 1024 * 1024 + 333))
    const size = (await kubo.files.stat(`/ipfs/${cid}`)).cumulativeSize
    await new Promise<void>((resolve, reject) => {
      api.tx.market
        .placeStorageOrder(cid.toString(), size, 0, '')
        .signAndSend(alice, (r) => {
          if (r.status.isInBlock) r.dispatchError === undefined ? resolve() : reject(new Error(r.dispatchError.toString()))
        })
        .catch(reject)
    })

    // Sealed through the API, as sManager does.
    const started = await fetch(`${sworker.api}/api/v0/storage/seal_start`, {
      method: 'POST',
      body: JSON.stringify({ cid: cid.toString() }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    })
    assert.equal(started.status, 200)
    await waitFor(async () => {
      const res = await fetch(`${sworker.api}/api/v0/file/info?cid=${cid}`)
      if (res.status !== 200) return undefined
      const info = ((await res.json()) as Record<string, { type: string }>)[cid.toString()]
      return info?.type === 'valid' ? true : undefined
    }, 'the file sealed')
    const info = (await crustJson(['sworker', 'file-info', cid.toString(), '--api', sworker.api])) as Record<
      string,
      { type: string; size: number; s_size: number }
    >
    assert.equal(info[cid.toString()]?.type, 'valid')
    assert.equal(info[cid.toString()]?.size, Number(size))
    assert.ok(info[cid.toString()]!.s_size > Number(size), 'sealed size includes the sealing overhead')

    // The next work report adds Eve's replica.
    const replicas = await waitFor(
      async () => {
        const file = (await api.query.market.filesV2(cid.toString())).toJSON() as { replicas?: Record<string, unknown> } | null
        return file?.replicas?.[eve.address] === undefined ? undefined : file.replicas
      },
      "Eve's replica on chain",
      60_000,
    )
    assert.deepEqual(Object.keys(replicas), [eve.address])

    // SIGTERM: a clean stop.
    sworker.child.kill('SIGTERM')
    assert.equal(await sworker.exited, 0, sworker.logs.join('\n'))
  })
})
