/**
 * A chaos run's storage clients, besides its transfers: files added through a storage node's IPFS
 * API and ordered on the chain (`market.placeStorageOrder`, by //Ferdie), and files added through
 * the gateway's W3Auth IPFS API and pinned through its pinning service (by //Eve; the gateway
 * orders). A file is accepted once its order is finalized or its pin request answered 202; every
 * accepted file must end with ≥ 3 reported replicas and be retrievable byte-identical, unless its
 * order ran its course meanwhile (a run longer than the chain's file duration): the chain closes
 * such a file and its nodes delete it, as they should; it must have had 3 replicas before.
 */
import { createHash } from 'node:crypto'
import type { ApiPromise } from '@polkadot/api'
import { Keyring } from '@polkadot/api'
import { u8aToHex } from '@polkadot/util'
import { seededRandom } from '../netns/seeded-random.js'
import { finalizedSend } from './finalized-send.js'

export interface WorkloadNode {
  name: string
  ipfsApi: string
  /** Its IPFS HTTP gateway (`/ipfs/<cid>`). */
  gateway: string
  sworkerApi: string
}

export interface WorkloadInit {
  api: ApiPromise
  storageNodes: WorkloadNode[]
  /** The W3Auth gateway and pinning service, when the testnet runs one (it reads through the first storage node). */
  gateway?: { gateway: string; psa: string }
  seed: number
  /** Pause between two files of one client. */
  pauseMs: number
  signal: AbortSignal
  startedAt: number
}

export interface AcceptedFile {
  kind: 'order' | 'pin'
  cid: string
  size: number
  sha256: string
  /** The storage node (or the gateway) it was added through. */
  via: string
  acceptedAtMs: number
  replicas: number
  threeReplicasAtMs?: number
  /** The block its order runs out at (`expiredAt`, set from its first report), as last read on chain. */
  expiresAt?: number
  /** The chain closed it after `expiresAt`: its order ran its course (its replicas are those last read). */
  expired?: boolean
  /** The best block when the run saw it closed (at or after the closing). */
  endedAt?: number
}

const ORDER_TIMEOUT_MS = 60_000
const HTTP_TIMEOUT_MS = 30_000
const READ_TIMEOUT_MS = 60_000

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

export class Workload {
  readonly accepted: AcceptedFile[] = []
  readonly attempts = { order: 0, pin: 0 }
  private readonly random: () => number
  private readonly keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })

  constructor(private readonly init: WorkloadInit) {
    this.random = seededRandom((init.seed ^ 0x0f11e5) >>> 0)
  }

  /** Runs both clients until the signal. */
  async run(): Promise<void> {
    await Promise.all([this.orders(), ...(this.init.gateway === undefined ? [] : [this.pins(this.init.gateway)])])
  }

  /** Distinct bytes of 32 to 256 KiB (several IPFS blocks). */
  private bytes(tag: string): Uint8Array {
    const size = 32 * 1024 + Math.floor(this.random() * 224 * 1024)
    const bytes = new Uint8Array(size)
    const seed = Math.floor(this.random() * 2 ** 31)
    const next = seededRandom(seed)
    for (let i = 0; i < size; i += 4) {
      const v = Math.floor(next() * 2 ** 32)
      bytes[i] = v & 0xff
      bytes[i + 1] = (v >>> 8) & 0xff
      bytes[i + 2] = (v >>> 16) & 0xff
      bytes[i + 3] = v >>> 24
    }
    bytes.set(new TextEncoder().encode(tag).subarray(0, size))
    return bytes
  }

  /** Adds `bytes`; returns the CID and the DAG's size (what an order must declare: the chain closes a file whose reported size differs as illegal). */
  private async add(url: string, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<{ cid: string; dagSize: number }> {
    const form = new FormData()
    form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>]), 'chaos.bin')
    const res = await fetch(`${url}/api/v0/add`, { method: 'POST', body: form, headers, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })
    if (res.status !== 200) throw new Error(`add: ${res.status}`)
    const added = (await res.json()) as { Hash: string; Size: string }
    return { cid: added.Hash, dagSize: Number(added.Size) }
  }

  private pause(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.init.pauseMs))
  }

  private async orders(): Promise<void> {
    const { api, storageNodes, signal } = this.init
    const ferdie = this.keyring.addFromUri('//Ferdie')
    while (!signal.aborted && storageNodes.length > 0) {
      const node = storageNodes[this.attempts.order % storageNodes.length]!
      this.attempts.order++
      const bytes = this.bytes(`order ${this.attempts.order}`)
      try {
        const { cid, dagSize } = await this.add(node.ipfsApi, bytes)
        await finalizedSend(api, api.tx.market!.placeStorageOrder!(cid, dagSize, 0, ''), ferdie, ORDER_TIMEOUT_MS)
        this.accepted.push({
          kind: 'order',
          cid,
          size: bytes.length,
          sha256: sha256(bytes),
          via: node.name,
          acceptedAtMs: Date.now() - this.init.startedAt,
          replicas: 0,
        })
      } catch {
        // Not accepted (the node or the chain was down or cut): nothing is promised about it.
      }
      await this.pause()
    }
  }

  private async pins(gateway: { gateway: string; psa: string }): Promise<void> {
    const eve = this.keyring.addFromUri('//Eve')
    const token = Buffer.from(`sub-${eve.address}:${u8aToHex(eve.sign(eve.address))}`).toString('base64')
    while (!this.init.signal.aborted) {
      this.attempts.pin++
      const bytes = this.bytes(`pin ${this.attempts.pin}`)
      try {
        const { cid } = await this.add(gateway.gateway, bytes, { authorization: `Basic ${token}` })
        const res = await fetch(`${gateway.psa}/pins`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ cid, name: `chaos-${this.attempts.pin}` }),
          signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
        })
        if (res.status === 202) {
          this.accepted.push({
            kind: 'pin',
            cid,
            size: bytes.length,
            sha256: sha256(bytes),
            via: 'gateway',
            acceptedAtMs: Date.now() - this.init.startedAt,
            replicas: 0,
          })
        }
      } catch {
        // Not accepted.
      }
      await this.pause()
    }
  }

  /** Reads every accepted file's reported replicas from the chain (and when it first had 3, and when it expires). */
  async updateReplicas(): Promise<void> {
    const { api } = this.init
    let best: number
    try {
      best = (await api.rpc.chain.getHeader()).number.toNumber()
    } catch {
      return // The chain client is reconnecting: the next round reads them.
    }
    for (const f of this.accepted) {
      if (f.expired === true) continue
      try {
        const file = (await api.query.market!.filesV2!(f.cid)).toJSON() as { reportedReplicaCount?: number; expiredAt?: number } | null
        if (file === null && f.expiresAt !== undefined && f.expiresAt > 0 && best >= f.expiresAt) {
          f.expired = true
          f.endedAt = best
          continue
        }
        f.replicas = file?.reportedReplicaCount ?? 0
        if (file?.expiredAt !== undefined) f.expiresAt = file.expiredAt
        if (f.replicas >= 3 && f.threeReplicasAtMs === undefined) f.threeReplicasAtMs = Date.now() - this.init.startedAt
      } catch {
        // The chain client is reconnecting: the next round reads it.
      }
    }
  }

  /** Whether the order of an accepted file `cid` ran its course (the chain closed it after its expiry) after block `after`. */
  ended(cid: string, after: number): boolean {
    return this.accepted.some((f) => f.cid === cid && f.expired === true && (f.endedAt ?? 0) > after)
  }

  /** Accepted files that broke "reaches 3 reported replicas": below 3 while their order stands, or expired without ever having had 3. */
  short(): AcceptedFile[] {
    return this.accepted.filter((f) => (f.expired === true ? f.threeReplicasAtMs === undefined : f.replicas < 3))
  }

  /**
   * Reads every accepted file through the IPFS gateway of a storage node that has not sealed it
   * (asked of its sWorker), else of one it was not added through; returns the files that did not
   * come back byte-identical.
   */
  async unreadable(): Promise<string[]> {
    const { storageNodes } = this.init
    const bad: string[] = []
    // A file whose order ran its course may be deleted everywhere by now, as it should.
    for (const f of this.accepted.filter((x) => x.expired !== true)) {
      // The gateway adds through the first storage node.
      const notVia = storageNodes.filter((n) => n.name !== (f.via === 'gateway' ? storageNodes[0]?.name : f.via))
      let reader = notVia[0]
      for (const n of notVia) {
        const sealed = await fetch(`${n.sworkerApi}/api/v0/file/info?cid=${f.cid}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) }).then(
          (r) => r.status !== 404,
          () => true,
        )
        if (!sealed) {
          reader = n
          break
        }
      }
      if (reader === undefined) continue
      try {
        const res = await fetch(`${reader.gateway}/ipfs/${f.cid}`, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) })
        const bytes = new Uint8Array(await res.arrayBuffer())
        if (res.status !== 200 || sha256(bytes) !== f.sha256) bad.push(`${f.cid} from ${reader.name}: ${res.status}, ${bytes.length} of ${f.size} bytes`)
      } catch (err) {
        bad.push(`${f.cid} from ${reader.name}: ${(err as Error).message}`)
      }
    }
    return bad
  }
}
