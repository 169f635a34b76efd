/**
 * Tenants' pins on the shared node. A tenant sees and removes only its own pins (kept in the pin
 * store, one row per account and CID); the node's pin of a CID is a reference held by every tenant
 * pin and every live pinning-service pin of it, and is removed only when the last holder goes, so
 * B's `pin/rm` of a CID that A (or the pinning service) also pinned leaves the node's pin in place.
 *
 * Holders are counted after each change and the node's pin is re-checked after a removal (a pin
 * added meanwhile, by this process or another on the same store, is put back), and within one
 * process the operations on one CID run one at a time.
 *
 * `pin/add` of a DAG the node does not hold pinned is fetched block by block (see dag/walk.ts) and
 * every fetched byte is drawn from the tenant's daily quota as it arrives; the walk stops when the
 * quota or the per-pin budget is used up. Bytes of blocks that were already on the node unpinned are
 * charged too: the gateway cannot tell them apart, so the charge is an upper bound of what the node
 * took in, and exact for content it did not hold.
 */
import type { Logger } from '@crust-ts/base'
import { createKuboClient, KUBO_NOT_PINNED, KuboError, type KuboClient } from '@crust-ts/sdk'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { DagFetchError, fetchDag } from '../dag/index.js'
import type { PinStore, TenantPin } from '../store/index.js'
import { GatewayLimitError } from './errors.js'
import { QuotaMeter, type UploadQuota } from './limits.js'

/** What tenant pins need of the pin store. */
export type TenantPinStore = Pick<PinStore, 'addTenantPin' | 'removeTenantPin' | 'listTenantPins' | 'countPinHolders'>

/** Tenant pins in memory (a gateway run without a pin store; no pinning-service pins then). */
export class MemoryTenantPinStore implements TenantPinStore {
  private readonly pins = new Map<string, TenantPin>()

  async addTenantPin(account: string, cid: string, name?: string, now = Date.now()): Promise<boolean> {
    const k = `${account}\n${cid}`
    const existing = this.pins.get(k)
    if (existing !== undefined) {
      if (name !== undefined && name !== '') existing.name = name
      return false
    }
    this.pins.set(k, { account, cid, created: now, ...(name === undefined || name === '' ? {} : { name }) })
    return true
  }

  async removeTenantPin(account: string, cid: string): Promise<boolean> {
    return this.pins.delete(`${account}\n${cid}`)
  }

  async listTenantPins(account: string, cids?: string[]): Promise<TenantPin[]> {
    return [...this.pins.values()].filter((p) => p.account === account && (cids === undefined || cids.includes(p.cid))).sort((a, b) => a.created - b.created)
  }

  async countPinHolders(tenantKey: string): Promise<number> {
    return [...this.pins.values()].filter((p) => p.cid === tenantKey).length
  }
}

/** An answer in Kubo's shapes: `body` is JSON text (or NDJSON lines). */
export interface TenantAnswer {
  status: number
  body: string
}

export interface TenantPinsInit {
  ipfsApi: string
  store: TenantPinStore
  /** The daily quota the fetched bytes are drawn from (none: only the per-pin budget bounds a fetch). */
  quota: UploadQuota | undefined
  /** Largest DAG one `pin/add` may fetch (bytes). */
  maxPinBytes: number
  /** Deadline of one `pin/add`'s fetch (ms). */
  fetchTimeoutMs: number
  /** Draw size of the quota leases. */
  leaseBytes: number
  log: Logger | undefined
}

/** Kubo's error body (`{ Message, Code, Type }`), as kubo-rpc-client and the go client read it. */
export function kuboError(message: string, status = 500): TenantAnswer {
  return { status, body: JSON.stringify({ Message: message, Code: 0, Type: 'error' }) }
}

const json = (value: unknown): TenantAnswer => ({ status: 200, body: JSON.stringify(value) })

/** Kubo's boolean option values. */
export function kuboBool(value: string | null, fallback: boolean): boolean {
  if (value === null) return fallback
  return !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(value)
}

/** A pin argument: a CID, or `/ipfs/<cid>` (no sub-path). */
function parsePinArg(text: string): CID {
  const trimmed = text
    .trim()
    .replace(/^\/ipfs\//, '')
    .replace(/\/+$/, '')
  if (trimmed.includes('/')) throw new TypeError(`pin paths below a root are not supported here: give the CID (${text})`)
  try {
    return CID.parse(trimmed)
  } catch {
    throw new TypeError(`invalid path "${text}": not a CID`)
  }
}

/** The key of a CID in the tenant table: CIDv1, base32. */
export function tenantKey(cid: CID): string {
  return cid.toV1().toString()
}

/** The ways a pinning-service pin of the same content may be written (CIDv1 base32, CIDv0). */
export function cidForms(cid: CID, given?: string): string[] {
  const forms = new Set<string>([cid.toV1().toString(), cid.toString()])
  if (cid.code === dagPb.code && cid.multihash.code === sha256.code) forms.add(cid.toV0().toString())
  if (given !== undefined) forms.add(given)
  return [...forms]
}

export class TenantPins {
  private readonly kubo: KuboClient
  /** One operation per CID at a time in this process. */
  private readonly locks = new Map<string, Promise<unknown>>()

  constructor(private readonly init: TenantPinsInit) {
    this.kubo = createKuboClient({ url: init.ipfsApi })
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const tail = run.catch(() => {})
    this.locks.set(key, tail)
    tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key)
    })
    return run
  }

  private async nodePinned(cid: CID): Promise<boolean> {
    try {
      return (await this.kubo.pin.ls({ paths: [cid.toString()], type: 'recursive' })).length > 0
    } catch (err) {
      if (err instanceof KuboError && err.status !== undefined) return false
      throw err
    }
  }

  /** `pin/add`: fetch (charged), then the tenant's pin, then the node's. */
  async add(account: string, params: URLSearchParams): Promise<TenantAnswer> {
    if (!kuboBool(params.get('recursive') ?? params.get('r'), true)) return kuboError('direct pins are not offered through this gateway: pin recursively', 400)
    const name = params.get('name') ?? params.get('n') ?? undefined
    const args = params.getAll('arg')
    if (args.length === 0) return kuboError('argument "ipfs-path" is required', 400)
    let cids: CID[]
    try {
      cids = args.map(parsePinArg)
    } catch (err) {
      return kuboError(`pin: ${(err as Error).message}`, 400)
    }
    const pinned: string[] = []
    for (const [i, cid] of cids.entries()) {
      const key = tenantKey(cid)
      const answer = await this.serial(key, () => this.addOne(account, cid, key, name)).catch((err: unknown) => err)
      if (answer instanceof GatewayLimitError)
        return {
          status: answer.status,
          body: JSON.stringify({ Error: answer.message, Message: `pin: ${args[i]}: the daily quota of this account is used up`, Code: 0, Type: 'error' }),
        }
      if (answer instanceof DagFetchError) return kuboError(`pin: ${answer.message}`)
      if (answer instanceof Error) return kuboError(`pin: ${answer.message}`)
      pinned.push(cid.toString())
    }
    return json({ Pins: pinned })
  }

  private async addOne(account: string, cid: CID, key: string, name: string | undefined): Promise<void> {
    const held = (await this.init.store.listTenantPins(account, [key])).length > 0
    if (!held && !(await this.nodePinned(cid))) {
      const meter = this.init.quota === undefined ? undefined : new QuotaMeter(this.init.quota, account, this.init.leaseBytes)
      let used = 0
      try {
        await fetchDag(cid, {
          ipfsApi: this.init.ipfsApi,
          budget: this.init.maxPinBytes,
          signal: AbortSignal.timeout(this.init.fetchTimeoutMs),
          verifyTsize: false,
          onBytes: (_bytes, total) => {
            used = total
            return meter?.cover(total)
          },
        })
      } finally {
        meter?.settle(used)
      }
      this.init.log?.debug({ account, cid: key, bytes: used }, 'tenant pin fetched')
    }
    const added = await this.init.store.addTenantPin(account, key, name)
    try {
      await this.kubo.pin.add(cid, { recursive: true })
    } catch (err) {
      if (added) await this.init.store.removeTenantPin(account, key).catch(() => {})
      throw err instanceof KuboError ? new Error(err.detail) : err
    }
  }

  /** `pin/rm`: the tenant's own pins only; the node's pin goes when nobody holds it any more. */
  async rm(account: string, params: URLSearchParams): Promise<TenantAnswer> {
    const args = params.getAll('arg')
    if (args.length === 0) return kuboError('argument "ipfs-path" is required', 400)
    const removed: string[] = []
    for (const arg of args) {
      let cid: CID
      try {
        cid = parsePinArg(arg)
      } catch (err) {
        return kuboError(`pin: ${(err as Error).message}`, 400)
      }
      const key = tenantKey(cid)
      const ok = await this.serial(key, async () => {
        if (!(await this.init.store.removeTenantPin(account, key))) return false
        await this.release(cid, key, arg)
        return true
      })
      if (!ok) return kuboError(KUBO_NOT_PINNED)
      removed.push(cid.toString())
    }
    return json({ Pins: removed })
  }

  /** Removes the node's pin of `cid` when no tenant and no pinning-service pin holds it. */
  private async release(cid: CID, key: string, given: string): Promise<void> {
    const forms = cidForms(cid, given)
    if ((await this.init.store.countPinHolders(key, forms)) > 0) return
    await this.kubo.pin.rm(cid, { recursive: true })
    // A holder that arrived meanwhile (another process) gets the node's pin back.
    if ((await this.init.store.countPinHolders(key, forms)) > 0) await this.kubo.pin.add(cid, { recursive: true })
    this.init.log?.debug({ cid: key }, 'node pin released: no holder left')
  }

  /** `pin/ls`: the tenant's own pins, as Kubo lists recursive pins. */
  async ls(account: string, params: URLSearchParams): Promise<TenantAnswer> {
    const type = params.get('type') ?? params.get('t') ?? 'all'
    if (!['all', 'recursive', 'direct', 'indirect'].includes(type))
      return kuboError(`invalid type '${type}', must be one of {direct, indirect, recursive, all}`, 400)
    const args = params.getAll('arg')
    let keys: string[] | undefined
    try {
      keys = args.length === 0 ? undefined : args.map((a) => tenantKey(parsePinArg(a)))
    } catch (err) {
      return kuboError((err as Error).message, 400)
    }
    const pins = type === 'all' || type === 'recursive' ? await this.init.store.listTenantPins(account, keys) : []
    if (keys !== undefined) {
      const found = new Set(pins.map((p) => p.cid))
      const missing = args.find((_, i) => !found.has(keys![i]!))
      if (missing !== undefined) return kuboError(`path '${missing}' is not pinned`)
    }
    const filter = params.get('name') ?? params.get('n')
    const shown = pins.filter((p) => filter === null || filter === '' || (p.name ?? '').includes(filter))
    if (kuboBool(params.get('stream') ?? params.get('s'), false)) {
      return { status: 200, body: shown.map((p) => `${JSON.stringify({ Cid: p.cid, Name: p.name, Type: 'recursive' })}\n`).join('') }
    }
    if (shown.length === 0) return json({})
    return json({ Keys: Object.fromEntries(shown.map((p) => [p.cid, { Type: 'recursive', Name: p.name ?? '' }])) })
  }

  /** Records the roots an `add` or `dag/import` pinned on the node as the tenant's pins (and makes sure the node holds them). */
  async record(account: string, roots: string[], name: string | undefined): Promise<void> {
    for (const root of roots) {
      const cid = CID.parse(root)
      const key = tenantKey(cid)
      await this.serial(key, async () => {
        await this.init.store.addTenantPin(account, key, name)
        // Local (the upload just wrote it): a no-op pin when the node's pin is there, its return if a
        // concurrent release removed it before our row was in.
        await this.kubo.pin.add(cid, { recursive: true })
      })
    }
  }
}
