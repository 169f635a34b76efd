import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Most want-blocks outstanding at one holder: enough to fill the pipe, few enough to move when it stalls. */
export const MAX_WANTS_PER_HOLDER = 32
/** A holder with wants outstanding that delivers nothing for this long has stalled: its wants go to another. */
export const HOLDER_STALL_MS = 5_000
/**
 * How fast a holder's time per block is forgotten: each block it delivers keeps this share of the
 * average so far (it follows about the last five blocks, so a holder that got faster or slower is
 * seen within a probe or two, and blocks that arrive together in one bitswap message average out).
 */
export const SERVICE_DECAY = 0.8
/** A holder not asked for anything this long gets the next block whatever it costs: a probe, so a slow holder that got faster is seen again. */
export const PROBE_INTERVAL_MS = 2_000
/** Times per block below this count as this: finer differences are the event loop's noise, not the holders'. */
export const MIN_MS_PER_BLOCK = 1
/** Most peers whose time per block is remembered (the least recently asked are forgotten first). */
export const MAX_TIMED_PEERS = 10_000

/** Bitswap's answer to a want sent to one peer: the block, or that it does not have it. */
export interface PeerAnswer {
  has: boolean
  block?: Uint8Array
}

/**
 * Sends a want-block for `cid` to `peer` alone and waits for its answer (Helia's `wantSessionBlock`).
 * `verify`, when given, is the caller's check of the block against `cid`, which the want may run
 * itself (then the caller need not hash the block again).
 */
export type WantFromPeer = (
  cid: CID,
  peer: PeerId,
  options: { signal: AbortSignal; verify?: ((block: Uint8Array) => Promise<void>) | undefined },
) => Promise<PeerAnswer>

interface Holder {
  peer: PeerId
  outstanding: number
  /** When it last delivered a block (or was given its first want after an idle spell). */
  lastProgress: number
  /** Aborted when it leaves the set: its outstanding wants end at once and go to another holder. */
  gone: AbortController
}

/** A peer's time per block, as saved across restarts: the decayed sums it is the ratio of. */
export interface ServiceTiming {
  sumMs: number
  weight: number
}

/** A peer's time per block while it has wants outstanding: decayed sums over the blocks it delivered. */
interface Service {
  sumMs: number
  weight: number
  /** When it was last asked for a block (probes go to holders idle longer than the probe interval). */
  lastAsked: number
}

/** Why a holder's want ended without its block. */
type Miss = 'dont-have' | 'stalled' | 'failed'

export interface HolderSplitInit {
  /** The node's score of a peer (higher serves better): a holder gets wants in proportion to it. */
  score: (peerId: string) => number
  /** Told of each holder that stalled or failed on a want (it ranks lower). */
  onMiss?: (peerId: string, reason: Miss) => void
  maxWantsPerHolder?: number
  stallMs?: number
  /** Default {@link PROBE_INTERVAL_MS}. */
  probeMs?: number
  /** The clock holders are timed with, in ms (default `performance.now`; a test's fake clock). */
  now?: () => number
}

/**
 * Spreads a DAG's block fetches over the holders that provider hints named and that are connected,
 * instead of bitswap's way of asking every connected peer for every block: each block is asked of
 * one holder, the one expected to deliver it first, at most `maxWantsPerHolder` each (a fetch waits
 * for a free slot). A holder's expected time is its wants outstanding plus this one, times its time
 * per block (measured here: the time between its deliveries while it has wants outstanding, so a
 * holder with a slow uplink counts as slow however many wants it queues), divided by its score (the
 * node's ranking: failures, chain weight). A holder ten times slower than the others is thus asked
 * only once their queues are ten times deeper, which a DAG of a few dozen blocks never reaches; to
 * see it recover, a holder idle for `probeMs` gets the next block whatever it costs (a probe). A
 * holder not yet timed counts as fast as the fastest timed one (it gets tried). A holder that says
 * it does not have a block leaves the set until hints name it again (it may hold another DAG); one that
 * stalls (no block for `stallMs` while it has wants) or whose stream fails leaves too, and its wants
 * go to the next holder. When no holder is left to ask, `retrieve` says so (`undefined`) and the
 * caller falls back to plain bitswap (every connected peer, the DHT).
 */
export class HolderSplit {
  private readonly holders = new Map<string, Holder>()
  private readonly waiting: Array<() => void> = []
  private readonly maxWants: number
  private readonly stallMs: number
  private readonly probeMs: number
  private readonly now: () => number
  /** Time per block of every peer timed, by peer id, least recently asked first (kept across DAGs and holder sets). */
  private readonly service = new Map<string, Service>()

  constructor(
    private readonly want: WantFromPeer,
    private readonly init: HolderSplitInit,
  ) {
    this.maxWants = init.maxWantsPerHolder ?? MAX_WANTS_PER_HOLDER
    this.stallMs = init.stallMs ?? HOLDER_STALL_MS
    this.probeMs = init.probeMs ?? PROBE_INTERVAL_MS
    this.now = init.now ?? (() => performance.now())
  }

  /** The measured time per block of `peerId` in ms (undefined until it delivered one). */
  msPerBlock(peerId: string): number | undefined {
    const s = this.service.get(peerId)
    return s === undefined || s.weight === 0 ? undefined : s.sumMs / s.weight
  }

  /** Every timed peer's sums, least recently asked first: what a restart restores. */
  timing(): Array<[string, ServiceTiming]> {
    return [...this.service].filter(([, s]) => s.weight > 0).map(([peerId, s]) => [peerId, { sumMs: s.sumMs, weight: s.weight }])
  }

  /**
   * Adds saved timings (older than anything measured since). Each counts as asked now: a holder
   * saved as slow is thus probed once it has been idle for the probe interval, as before the restart.
   */
  restoreTiming(entries: ReadonlyArray<readonly [string, ServiceTiming]>): void {
    const now = this.now()
    const measured = [...this.service]
    this.service.clear()
    for (const [peerId, t] of entries) this.service.set(peerId, { sumMs: t.sumMs, weight: t.weight, lastAsked: now })
    for (const [peerId, s] of measured) {
      this.service.delete(peerId)
      this.service.set(peerId, s)
    }
    while (this.service.size > MAX_TIMED_PEERS) this.service.delete(this.service.keys().next().value!)
  }

  /** A hinted holder is connected: it takes wants from now on. */
  add(peer: PeerId): void {
    const key = peer.toString()
    if (!this.holders.has(key)) this.holders.set(key, { peer, outstanding: 0, lastProgress: this.now(), gone: new AbortController() })
    this.wake()
  }

  /** A holder is gone (disconnected, shunned): no more wants go to it. */
  remove(peerId: string): void {
    const holder = this.holders.get(peerId)
    if (holder === undefined) return
    this.holders.delete(peerId)
    holder.gone.abort()
    this.wake()
  }

  /** The holders taking wants now. */
  peers(): string[] {
    return [...this.holders.keys()]
  }

  /**
   * The block `cid` from one of the holders, trying the next when one misses, with `sender` the peer
   * that delivered; `undefined` when no holder (left) has it. `onAsked` is told of each holder asked.
   */
  async retrieve(
    cid: CID,
    signal: AbortSignal,
    onAsked?: (peerId: string) => void,
    verify?: (block: Uint8Array) => Promise<void>,
  ): Promise<{ block: Uint8Array; sender: string } | undefined> {
    const tried = new Set<string>()
    for (;;) {
      const holder = await this.pick(tried, signal)
      if (holder === undefined) return undefined
      const key = holder.peer.toString()
      tried.add(key)
      onAsked?.(key)
      const outcome = await this.ask(holder, cid, signal, verify)
      if (outcome instanceof Uint8Array) return { block: outcome, sender: key }
      signal.throwIfAborted()
      // A holder that misses leaves the set: what it was asked next goes to the others.
      if (this.holders.get(key) === holder) this.remove(key)
      if (outcome !== 'dont-have') this.init.onMiss?.(key, outcome)
    }
  }

  /** The holder to ask next (not in `tried`), its slot taken, waiting while all of them are at their bound. */
  private async pick(tried: Set<string>, signal: AbortSignal): Promise<Holder | undefined> {
    for (;;) {
      signal.throwIfAborted()
      const now = this.now()
      let best: Holder | undefined
      let bestCost = Number.POSITIVE_INFINITY
      let anyUntried = false
      let fastest = Number.POSITIVE_INFINITY
      for (const key of this.holders.keys()) fastest = Math.min(fastest, this.msPerBlock(key) ?? Number.POSITIVE_INFINITY)
      // none timed yet: all alike, the spread follows the wants outstanding and the scores
      if (fastest === Number.POSITIVE_INFINITY) fastest = MIN_MS_PER_BLOCK
      for (const [key, holder] of this.holders) {
        if (tried.has(key)) continue
        anyUntried = true
        if (holder.outstanding >= this.maxWants) continue
        const lastAsked = this.service.get(key)?.lastAsked
        if (holder.outstanding === 0 && lastAsked !== undefined && now - lastAsked >= this.probeMs) {
          best = holder
          break
        }
        const cost = ((holder.outstanding + 1) * Math.max(MIN_MS_PER_BLOCK, this.msPerBlock(key) ?? fastest)) / Math.max(1e-6, this.init.score(key))
        if (cost < bestCost) {
          best = holder
          bestCost = cost
        }
      }
      if (best !== undefined) {
        // taken now, not when the want is sent: fetches that pick at the same time must see each other
        if (best.outstanding === 0) best.lastProgress = now
        best.outstanding++
        this.noteAsked(best.peer.toString(), now)
        return best
      }
      if (!anyUntried) return undefined
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
        this.waiting.push(() => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        })
      })
    }
  }

  /** Asks `holder` (its slot already taken by `pick`) for `cid`: its block, or why not. */
  private async ask(holder: Holder, cid: CID, signal: AbortSignal, verify: ((block: Uint8Array) => Promise<void>) | undefined): Promise<Uint8Array | Miss> {
    const stall = new AbortController()
    const watchdog = setInterval(
      () => {
        if (this.now() - holder.lastProgress > this.stallMs) stall.abort()
      },
      Math.max(50, this.stallMs / 5),
    )
    watchdog.unref()
    try {
      const answer = await this.want(cid, holder.peer, { signal: AbortSignal.any([signal, stall.signal, holder.gone.signal]), verify })
      if (!answer.has || answer.block === undefined) return 'dont-have'
      const now = this.now()
      // busy since its previous delivery (or since it was first asked after an idle spell)
      this.noteServed(holder.peer.toString(), now - holder.lastProgress)
      holder.lastProgress = now
      return answer.block
    } catch (err) {
      if (signal.aborted) throw err
      return stall.signal.aborted ? 'stalled' : 'failed'
    } finally {
      clearInterval(watchdog)
      holder.outstanding--
      this.wake()
    }
  }

  private noteAsked(peerId: string, now: number): void {
    const s = this.service.get(peerId) ?? { sumMs: 0, weight: 0, lastAsked: now }
    s.lastAsked = now
    // re-inserted: Map order is least recently asked first
    this.service.delete(peerId)
    this.service.set(peerId, s)
    if (this.service.size > MAX_TIMED_PEERS) this.service.delete(this.service.keys().next().value!)
  }

  private noteServed(peerId: string, ms: number): void {
    const s = this.service.get(peerId)
    if (s === undefined) return
    s.sumMs = s.sumMs * SERVICE_DECAY + Math.max(0, ms)
    s.weight = s.weight * SERVICE_DECAY + 1
  }

  private wake(): void {
    for (const resume of this.waiting.splice(0)) resume()
  }
}
