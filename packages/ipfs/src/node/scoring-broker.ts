import type { BlockBroker, BlockRetrievalOptions, CreateSessionOptions, SessionBlockBroker } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import { IpfsNodeError, IpfsNodeErrorCode } from './errors.js'
import type { Logger } from '@crust-ts/base'
import type { HolderSplit } from './holder-split.js'
import type { DefaultRetrievalScores } from './retrieval-scores.js'

interface ProgressLike {
  type: string
  detail: unknown
}

interface PeerIdLike {
  toString(): string
}

/** A want list entry as bitswap reports it. */
export interface WantListEntryLike {
  cid: CID
}

interface StartableLike {
  start?(): unknown
  stop?(): unknown
  beforeStart?(): unknown
  afterStart?(): unknown
  beforeStop?(): unknown
  afterStop?(): unknown
  isStarted?(): boolean
}

interface BitswapLike {
  getWantlist?(): WantListEntryLike[]
  /** What bitswap serves to peers: a ledger per peer with the bytes sent to it. */
  peerWantLists?: { ledgerMap?: Map<unknown, { bytesSent?: number }> }
  /** Bitswap's want list: it dispatches `block` for every block a peer sends, wanted or not. */
  wantList?: EventTarget
}

/** A block bitswap received: its sender and the CID its bytes hash to. */
interface ReceivedBlockDetail {
  sender: PeerIdLike
  cid: CID
}

/** How many of the last requested blocks are remembered, to tell a late duplicate from a wrong block. */
export const REQUESTED_BLOCKS_REMEMBERED = 16_384

/** The identity of a requested block: its multihash (bitswap names a block by hash, whatever the CID version). */
const requestKey = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('base64')

type Retrieve = (cid: CID, options: BlockRetrievalOptions) => Promise<Uint8Array>

/**
 * Wraps Helia's bitswap block broker to (1) bound every network fetch by `fetchTimeoutMs` and turn
 * the timeout into {@link IpfsNodeError} `IPFS_ERROR_NOT_FOUND` (reason `timeout`), so a missing
 * block never hangs a caller, and (2) feed the retrieval scores from bitswap's own progress events:
 * `bitswap:send-wantlist` (a peer was asked; first time per peer starts its latency clock) and
 * `bitswap:block` (the peer that delivered). A delivering peer scores a success with its bytes and
 * latency; when the fetch times out, every peer that was asked scores a failure. A fetch cancelled
 * by the caller scores nothing.
 *
 * Bitswap derives a received block's CID from its bytes, so a block with corrupted bytes arrives as
 * a block nobody asked for and bitswap drops it without a word. The broker remembers the hashes it
 * was asked for and tells `onWrongBlock` of every block that hashes to none of them: its sender lied.
 */
export class ScoringBlockBroker implements BlockBroker {
  readonly name: string

  constructor(
    private readonly inner: BlockBroker & StartableLike,
    private readonly scores: DefaultRetrievalScores,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly onWrongBlock: (peerId: string, cid: CID) => void = () => {},
    /** When given, a block is first asked of one hinted holder at a time (the DAG spread over them), then of everyone. */
    private readonly split?: HolderSplit,
  ) {
    this.name = inner.name
    // Helia may add the broker to a node already started, without calling `start` on it.
    this.watchReceivedBlocks()
  }

  private readonly requested = new Set<string>()
  private watched: EventTarget | undefined

  private noteRequested(cid: CID): void {
    const key = requestKey(cid)
    this.requested.delete(key)
    this.requested.add(key)
    if (this.requested.size > REQUESTED_BLOCKS_REMEMBERED) this.requested.delete(this.requested.values().next().value!)
  }

  private readonly onBlock = (evt: Event): void => {
    const detail = (evt as CustomEvent<ReceivedBlockDetail>).detail
    if (detail?.cid === undefined || this.requested.has(requestKey(detail.cid))) return
    this.onWrongBlock(String(detail.sender), detail.cid)
  }

  /** Listens to bitswap's received blocks (once; bitswap keeps its want list across restarts of the node). */
  private watchReceivedBlocks(): void {
    const wantList = (this.inner as { bitswap?: BitswapLike }).bitswap?.wantList
    if (wantList === undefined || wantList === this.watched) return
    this.watched?.removeEventListener('block', this.onBlock)
    wantList.addEventListener('block', this.onBlock)
    this.watched = wantList
  }

  isStarted(): boolean {
    return this.inner.isStarted?.() ?? true
  }

  async beforeStart(): Promise<void> {
    await this.inner.beforeStart?.()
  }

  async start(): Promise<void> {
    await this.inner.start?.()
    this.watchReceivedBlocks()
  }

  async afterStart(): Promise<void> {
    await this.inner.afterStart?.()
  }

  async beforeStop(): Promise<void> {
    await this.inner.beforeStop?.()
  }

  async stop(): Promise<void> {
    await this.inner.stop?.()
  }

  async afterStop(): Promise<void> {
    await this.inner.afterStop?.()
  }

  /** The CIDs bitswap is waiting for right now. */
  wantlist(): CID[] {
    const bitswap = (this.inner as { bitswap?: BitswapLike }).bitswap
    return (bitswap?.getWantlist?.() ?? []).map((entry) => entry.cid)
  }

  /** Bytes of blocks bitswap has sent to `peerId` (0 when it has no ledger for it). */
  sentTo(peerId: string): number {
    const ledgers = (this.inner as { bitswap?: BitswapLike }).bitswap?.peerWantLists?.ledgerMap
    if (ledgers === undefined) return 0
    for (const [peer, ledger] of ledgers) if (String(peer) === peerId) return ledger.bytesSent ?? 0
    return 0
  }

  async announce(cid: CID, options?: BlockRetrievalOptions): Promise<void> {
    await this.inner.announce?.(cid, options)
  }

  async retrieve(cid: CID, options: BlockRetrievalOptions = {}): Promise<Uint8Array> {
    const inner = this.inner.retrieve
    if (inner === undefined) throw new Error(`block broker ${this.inner.name} cannot retrieve`)
    const split = this.split
    if (split === undefined) return this.scored(cid, options, (c, o) => inner.call(this.inner, c, o))
    return this.scored(cid, options, async (c, o) => {
      const progress = o.onProgress as ((e: ProgressLike) => void) | undefined
      // Helia's check goes with the want: a block stream runs it as its own, so the block is hashed once
      const got = await split.retrieve(c, o.signal!, (peer) => progress?.({ type: 'bitswap:send-wantlist', detail: peer }), o.validateFn)
      if (got === undefined) return inner.call(this.inner, c, o)
      progress?.({ type: 'bitswap:block', detail: { sender: got.sender } })
      return got.block
    })
  }

  createSession(options?: CreateSessionOptions): SessionBlockBroker {
    const session = this.inner.createSession?.(options)
    if (session === undefined) throw new Error(`block broker ${this.inner.name} has no sessions`)
    const retrieve = session.retrieve
    return {
      name: session.name,
      addPeer: (peer, opts) => session.addPeer(peer, opts),
      ...(session.announce === undefined ? {} : { announce: (cid: CID, opts?: BlockRetrievalOptions) => session.announce!(cid, opts) }),
      ...(retrieve === undefined
        ? {}
        : {
            retrieve: (cid: CID, opts: BlockRetrievalOptions = {}) => this.scored(cid, opts, (c, o) => retrieve.call(session, c, o)),
          }),
    }
  }

  private async scored(cid: CID, options: BlockRetrievalOptions, retrieve: Retrieve): Promise<Uint8Array> {
    const deadline = AbortSignal.timeout(this.timeoutMs)
    const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline])
    const started = performance.now()
    this.noteRequested(cid)
    const asked = new Map<string, number>()
    let sender: string | undefined
    const onProgress = (evt: ProgressLike): void => {
      if (evt.type === 'bitswap:send-wantlist') {
        const peer = String(evt.detail as PeerIdLike)
        if (!asked.has(peer)) asked.set(peer, performance.now())
      } else if (evt.type === 'bitswap:block') {
        sender = String((evt.detail as { sender: PeerIdLike }).sender)
      }
      ;(options.onProgress as ((e: ProgressLike) => void) | undefined)?.(evt)
    }
    try {
      const block = await retrieve(cid, { ...options, signal, onProgress } as BlockRetrievalOptions)
      if (sender !== undefined) {
        const latencyMs = performance.now() - (asked.get(sender) ?? started)
        this.scores.record(sender, { ok: true, bytes: block.byteLength, latencyMs })
      }
      return block
    } catch (err) {
      if (deadline.aborted && options.signal?.aborted !== true) {
        for (const peer of asked.keys()) this.scores.record(peer, { ok: false })
        this.log.debug({ cid: cid.toString(), asked: asked.size, timeoutMs: this.timeoutMs }, 'block fetch timed out')
        throw new IpfsNodeError(
          { code: IpfsNodeErrorCode.NOT_FOUND, cid: cid.toString(), reason: 'timeout', timeoutMs: this.timeoutMs },
          `block ${cid} not found: no peer delivered it within ${this.timeoutMs} ms`,
          { cause: err },
        )
      }
      throw err
    }
  }
}
