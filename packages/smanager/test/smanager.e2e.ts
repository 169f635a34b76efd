/**
 * The sManager with real parts: a `crust node` child process (short report slot and file
 * duration), two IPFS daemons (A has the file, B is the storage node's), the sWorker for //Bob
 * over B, and the sManager for //Bob. An order is pulled, sealed, reported, settled after expiry
 * and deleted once closed; an order nobody can serve times out on idle and is retried.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions, SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { createLogger } from '@crust-ts/base'
import { type IpfsDaemon, startIpfsDaemon } from '@crust-ts/ipfs'
import { type RunningSworker, runSworker } from '@crust-ts/sworker'
import { create } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { Smanager, type TaskStatus, type TaskView } from '../src/index.js'
import { startNode, writeDevSpec } from '@crust-ts/testkit'

const REPORT_SLOT = 10
const FILE_DURATION = 30
const MIB = 1024 * 1024
const DEADLINE_MS = 180_000

/** A `crust node` child on a dev spec with short report slots and file duration. */
async function startChain(dir: string) {
  return startNode(join(dir, 'chain'), ['--chain', writeDevSpec(dir, { reportSlot: REPORT_SLOT, fileDuration: FILE_DURATION, eraLength: 6 * REPORT_SLOT })])
}

/** Polls `check` until it gives a value, or fails after a generous deadline. */
async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function send(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, (r) => {
      if (!r.status.isInBlock) return
      if (r.dispatchError === undefined) resolve()
      else reject(new Error(r.dispatchError.toString()))
    }).catch(reject)
  })
}

describe('sManager end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smanager-e2e-'))
  const logFile = join(dir, 'smanager.log')
  let chain: Awaited<ReturnType<typeof startChain>>
  let api: ApiPromise
  let ipfsA: IpfsDaemon
  let ipfsB: IpfsDaemon
  let sworker: RunningSworker
  let sm: Smanager
  let logFd: number
  let bob: KeyringPair
  let alice: KeyringPair
  const statuses = new Map<string, TaskStatus[]>()

  before(async () => {
    logFd = openSync(logFile, 'a')
    const logger = createLogger({ level: 'debug', fd: logFd })
    chain = await startChain(dir)
    api = await ApiPromise.create({
      provider: new WsProvider(chain.url) as unknown as ApiOptions['provider'],
      noInitWarn: true,
      throwOnConnect: true,
    } as ApiOptions)
    // ApiPromise.create waited for the crypto WASM the keyring needs
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    alice = keyring.addFromUri('//Alice')
    bob = keyring.addFromUri('//Bob')
    const ipfsInit = { apiPort: 0, gatewayPort: 0, swarmPort: 0, swarmHost: '127.0.0.1', dht: false }
    ipfsA = await startIpfsDaemon({ ...ipfsInit, repoPath: join(dir, 'ipfs-a'), bootstrap: [] })
    const addrA = ipfsA.multiaddrs.find((m) => m.includes('/ip4/127.0.0.1/tcp/'))!
    ipfsB = await startIpfsDaemon({ ...ipfsInit, repoPath: join(dir, 'ipfs-b'), bootstrap: [addrA.includes('/p2p/') ? addrA : `${addrA}/p2p/${ipfsA.peerId}`] })
    const ipfsBApi = `http://127.0.0.1:${ipfsB.api.port}`
    sworker = await runSworker({
      dataDir: join(dir, 'sworker'),
      chainRpc: chain.url,
      ipfsApi: ipfsBApi,
      accountUri: '//Bob',
      apiPort: 0,
      srdUnitSize: MIB,
      logger,
    })
    sm = await Smanager.start({
      dataDir: join(dir, 'smanager'),
      api,
      account: bob,
      ipfsApi: ipfsBApi,
      sworkerApi: `http://127.0.0.1:${sworker.api.port}`,
      sworkerTokenFile: sworker.apiTokenFile,
      role: 'isolation',
      config: { pullIdleTimeoutMs: 3000, retryBaseMs: 1000, retryMaxMs: 4000, sealPollMs: 200, refreshEveryBlocks: 2 },
      logger,
    })
    sm.events.on('task', (t: TaskView) => {
      const list = statuses.get(t.cid) ?? []
      if (list.at(-1) !== t.status) list.push(t.status)
      statuses.set(t.cid, list)
    })
  })

  after(async () => {
    await sm?.stop()
    await sworker?.stop()
    await ipfsB?.stop()
    await ipfsA?.stop()
    await api?.disconnect()
    chain?.child.kill('SIGTERM')
    await chain?.exited
    if (logFd !== undefined) closeSync(logFd)
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs `fn`, printing the sManager's log tail if it fails. */
  async function withLog(fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      const lines = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => /smanager|sworker/.test(l))
      console.error(lines.slice(-60).join('\n'))
      throw err
    }
  }

  const sworkerUrl = () => `http://127.0.0.1:${sworker.api.port}/api/v0`

  it('behavior: an order is pulled, sealed, reported, settled after expiry and deleted once closed', (t) =>
    withLog(async () => {
      const clientA = create({ url: `http://127.0.0.1:${ipfsA.api.port}` })
      const added = await clientA.add(randomBytes(3 * MIB))
      const cid = added.cid.toString()
      const stat = await clientA.files.stat(`/ipfs/${cid}`)
      await send(api.tx.market.placeStorageOrder(cid, stat.cumulativeSize, 0, ''), alice)

      const sealed = await waitFor(() => (sm.task(cid)?.status === 'sealed' ? sm.task(cid) : undefined), 'the task to be sealed')
      assert.deepEqual(statuses.get(cid)?.slice(0, 4), ['new', 'pulling', 'sealing', 'sealed'])
      assert.equal(sealed.reason, 'sealed')
      const at = (status: TaskStatus) => sealed.history.find((e) => e.status === status)!.at
      t.diagnostic(
        `3 MiB order: seen→pulled ${at('sealing') - at('new')} ms (pull ${at('sealing') - at('pulling')} ms), seal ${at('sealed') - at('sealing')} ms`,
      )
      assert.equal(sealed.size, Number(stat.cumulativeSize))
      const info = (await (await fetch(`${sworkerUrl()}/file/info?cid=${cid}`)).json()) as Record<string, { type: string; size: number }>
      assert.equal(info[cid]?.type, 'valid')
      assert.equal(info[cid]?.size, Number(stat.cumulativeSize))

      // Bob's sWorker reports it in the next report slot
      const file = await waitFor(async () => {
        const f = (await api.query.market.filesV2(cid)).toJSON() as { replicas: Record<string, unknown>; expiredAt: number } | null
        return f !== null && Object.keys(f.replicas).includes(bob.address) ? f : undefined
      }, "Bob's replica on chain")
      assert.ok(file.expiredAt > 0, 'the first replica starts the period')

      // no prepaid: after expiry Bob settles, which closes the file, and the sManager deletes it
      const deleted = await waitFor(() => (sm.task(cid)?.status === 'deleted' ? sm.task(cid) : undefined), 'the task to be deleted')
      assert.equal(deleted.reason, 'orderClosed')
      assert.ok(
        deleted.history.some((e) => e.reason === 'settled'),
        'calculateReward went in',
      )
      assert.deepEqual(statuses.get(cid)?.slice(-4), ['sealed', 'expired', 'deleting', 'deleted'])
      assert.equal((await api.query.market.filesV2(cid)).toJSON(), null, 'the order is closed')
      assert.equal((await fetch(`${sworkerUrl()}/file/info?cid=${cid}`)).status, 404)
      const pins = await fetch(`http://127.0.0.1:${ipfsB.api.port}/api/v0/pin/ls?arg=${cid}&type=recursive`, { method: 'POST' })
      assert.equal(pins.status, 500, 'no longer pinned on B')
    }))

  it('behavior: an order for a CID nobody has fails on idle and is retried', () =>
    withLog(async () => {
      const cid = CID.create(1, raw.code, await sha256.digest(randomBytes(64))).toString()
      await send(api.tx.market.placeStorageOrder(cid, 1000, 0, ''), alice)
      const failed = await waitFor(() => (sm.task(cid)?.status === 'failed' ? sm.task(cid) : undefined), 'the pull to fail')
      assert.equal(failed.reason, 'pullIdleTimeout')
      assert.match(failed.lastError ?? '', /SMANAGER_ERROR_PULL_IDLE_TIMEOUT/)
      const retried = await waitFor(() => {
        const t = sm.task(cid)
        return t !== undefined && t.attempts >= 2 && t.status === 'failed' ? t : undefined
      }, 'a retry to fail again')
      assert.deepEqual(
        retried.history.filter((e) => e.status === 'pulling').map((e) => e.reason),
        ['picked', 'retry'],
      )
    }))
})
