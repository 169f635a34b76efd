/**
 * State download: the key/value pairs of the state at one block, fetched from a peer in bounded
 * chunks ({@link MAX_STATE_PAIRS_PER_RESPONSE} pairs, {@link MAX_STATE_RESPONSE_BYTES} bytes each),
 * built into a trie as they arrive (they come in key order: `SortedTrieBuilder` holds only the
 * open branches) whose nodes go to a temporary file ({@link NodeSpillFile}), up to a byte bound;
 * accepted only when that trie has the block header's state root. Memory stays flat however large
 * the state (mainnet's is GBs); progress is logged every {@link STATE_PROGRESS_INTERVAL_MS}. The
 * check is on the whole state at the end (no per-chunk proof): a peer that serves a wrong state
 * costs at most the bound on disk, is banned, and nothing of its state is kept. A malformed chunk (keys out of order, an undecodable pair) ends the download at
 * once with a protocol penalty; a state beyond the bound is abandoned without one (it cannot be
 * told from a large honest state). A failed request (timeout, reset) is asked again, then of another
 * peer, from the last key received: a transient failure never restarts the download.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { SortedTrieBuilder, type SyncedState } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { u8aEq, u8aToHex } from '@polkadot/util'
import {
  DEFAULT_MAX_STATE_SYNC_BYTES,
  MAX_STATE_PAIRS_PER_RESPONSE,
  Penalty,
  STATE_PAIR_OVERHEAD_BYTES,
  STATE_PROGRESS_INTERVAL_MS,
  STATE_REQUEST_ATTEMPTS,
  STATE_RETRY_BACKOFF_MS,
} from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { ChainNetwork } from './network.js'
import { NodeSpillFile } from './sync-state-spill.js'

/** What a state download needs: the network's `state` request, its penalties and bans. */
export interface StateDownloadComponents {
  network: Pick<ChainNetwork, 'requestState' | 'penalise' | 'isBanned'>
  log: Logger
  signal?: AbortSignal
}

/** The block whose state is downloaded: its hash, number and header's state root. */
export interface StateTarget {
  hash: Uint8Array
  number: number
  stateRoot: Uint8Array
}

export interface StateDownloadOptions {
  /** Most bytes downloaded before the root check ({@link DEFAULT_MAX_STATE_SYNC_BYTES}); they are spilled to disk, not held. */
  maxBytes?: number
  /** Folder for the temporary file of the state's trie nodes (the system's temp folder by default; a node gives its data folder). */
  spillDir?: string
  /** Pairs asked for per request (the server caps it); {@link MAX_STATE_PAIRS_PER_RESPONSE}. */
  pairsPerRequest?: number
  /** Least time between two progress lines ({@link STATE_PROGRESS_INTERVAL_MS}). */
  progressIntervalMs?: number
  /** Peers the download continues from (after the last key received) when the first keeps failing or no longer has the state. */
  otherPeers?: readonly PeerId[]
  /** Attempts at one chunk with one peer before turning to the next ({@link STATE_REQUEST_ATTEMPTS}). */
  attemptsPerPeer?: number
  /** Wait before a chunk's first retry, doubled at each further one ({@link STATE_RETRY_BACKOFF_MS}). */
  retryBackoffMs?: number
  /** Time limit of one chunk request (by default `stateRequestTimeoutMs`: scaled with the bytes a chunk may bring). */
  requestTimeoutMs?: number
}

/** A verified state download: the trie ({@link SyncedState}, its nodes read from a temporary file) and what it took. */
export interface DownloadedState extends SyncedState {
  pairs: number
  bytes: number
  requests: number
  /** Chunk requests that failed (timed out, stream reset) and were asked again. */
  retries: number
  /** Removes the temporary file of nodes: call once they are installed, or to abandon them. */
  dispose(): void
}

/**
 * Downloads the state at `target` from `peer` (then `options.otherPeers`) and checks it against
 * `target.stateRoot`. A failed chunk request is asked again from the last key received (up to
 * `attemptsPerPeer` times with backoff, then of the next peer): the trie built so far stays valid,
 * since pairs arrive in key order. Resolves to the state's trie nodes, or `undefined` when no peer
 * has that state (unknown block, or pruned). Throws {@link ConsensusError}: `BAD_STATE` (root
 * mismatch; the peer is banned when it served it all alone), `BAD_MESSAGE` (malformed chunk; peer
 * penalised), `STATE_TOO_LARGE`, or `SYNC_FAILED` (every peer failed a chunk, or aborted).
 */
export async function downloadState(
  components: StateDownloadComponents,
  peer: PeerId,
  target: StateTarget,
  options: StateDownloadOptions = {},
): Promise<DownloadedState | undefined> {
  const spill = new NodeSpillFile(options.spillDir)
  try {
    const state = await fetchIntoSpill(components, peer, target, options, spill)
    if (state === undefined) spill.dispose()
    return state
  } catch (err) {
    spill.dispose()
    throw err
  }
}

type StateChunk = NonNullable<Awaited<ReturnType<ChainNetwork['requestState']>>>

/** {@link downloadState}'s download: the pairs built into a trie whose nodes go to `spill`, then the root check. */
async function fetchIntoSpill(
  components: StateDownloadComponents,
  peer: PeerId,
  target: StateTarget,
  options: StateDownloadOptions,
  spill: NodeSpillFile,
): Promise<DownloadedState | undefined> {
  const { log } = components
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STATE_SYNC_BYTES
  const builder = new SortedTrieBuilder((hash, encoding) => spill.add(hash, encoding))
  const progress = new DownloadProgress(log, peer, target.number, options.progressIntervalMs ?? STATE_PROGRESS_INTERVAL_MS)
  const source = new ChunkSource(components, [peer, ...(options.otherPeers ?? [])], target, options)
  let bytes = 0
  let startAfter: Uint8Array | undefined
  for (;;) {
    const chunk = await source.next(startAfter, builder.size)
    if (chunk === undefined) {
      log.warn({ block: target.number, pairs: builder.size, bytes }, 'state download abandoned: no peer has the state at this block (pruned or unknown)')
      return undefined
    }
    // Each chunk is ascending and unique (checked on receipt) and starts after the last key asked
    // for, so the builder's own order check cannot fail on an honest or a dishonest peer.
    for (const [key, value] of chunk.pairs) {
      bytes += key.length + value.length + STATE_PAIR_OVERHEAD_BYTES
      builder.add(key, value)
    }
    if (bytes > maxBytes) {
      throw new ConsensusError(ConsensusErrorCode.STATE_TOO_LARGE, `the state at block ${target.number} from ${peer.toString()} exceeds ${maxBytes} bytes`, {
        peer: peer.toString(),
      })
    }
    progress.report({ pairs: builder.size, bytes, requests: source.requests, retries: source.retries, spilledNodes: spill.count })
    if (chunk.complete) break
    startAfter = chunk.pairs.at(-1)![0]
  }
  const root = builder.finish()
  if (!u8aEq(root, target.stateRoot)) await refuseMismatch(components, source.servedBy, target, root)
  const pairs = builder.size
  const { requests, retries } = source
  log.info(
    { peer: peer.toString(), block: target.number, pairs, bytes, requests, retries, nodes: spill.count, ms: Math.round(progress.elapsedMs()) },
    'downloaded state',
  )
  return {
    root,
    nodes: { [Symbol.iterator]: () => spill.nodes() },
    sortedNodes: {
      [Symbol.iterator]: () =>
        withInstallProgress(spill.sortedNodes(), log, target.number, spill.count, options.progressIntervalMs ?? STATE_PROGRESS_INTERVAL_MS),
    },
    pairs,
    bytes,
    requests,
    retries,
    dispose: () => spill.dispose(),
  }
}

/**
 * Throws BAD_STATE for a state whose root is not the header's. A peer that served the whole state
 * is banned; when several served parts of it (the download moved on after failures) the culprit is
 * not known, so none is: the next round starts fresh, from one peer again.
 */
async function refuseMismatch(
  components: StateDownloadComponents,
  servedBy: ReadonlyMap<string, PeerId>,
  target: StateTarget,
  root: Uint8Array,
): Promise<never> {
  const peers = [...servedBy.values()]
  if (peers.length === 1) await components.network.penalise(peers[0]!, `state at block ${target.number} does not match its state root`)
  else components.log.warn({ block: target.number, peers: [...servedBy.keys()] }, 'a state served by several peers does not match its root: none is banned')
  throw new ConsensusError(
    ConsensusErrorCode.BAD_STATE,
    `the state at block ${target.number} from ${[...servedBy.keys()].join(', ')} has root ${u8aToHex(root)}, the header's is ${u8aToHex(target.stateRoot)}`,
    { peer: peers[0]?.toString() ?? '' },
  )
}

/**
 * The chunks of one download, from a list of peers in order: a failed request (timed out, stream
 * reset) is asked again of the same peer after a backoff, up to its attempts, then of the next
 * peer, always from the same key; a peer that no longer has the state is left for the next too.
 * A malformed chunk ends the download (the peer is penalised): it is a dishonest peer, not a slow one.
 */
class ChunkSource {
  requests = 0
  retries = 0
  /** The peers that served at least one chunk, by id. */
  readonly servedBy = new Map<string, PeerId>()
  private peerIndex = 0
  private readonly perRequest: number
  private readonly attempts: number
  private readonly backoffMs: number

  constructor(
    private readonly components: StateDownloadComponents,
    private readonly peers: readonly PeerId[],
    private readonly target: StateTarget,
    private readonly options: StateDownloadOptions,
  ) {
    this.perRequest = Math.max(1, Math.min(options.pairsPerRequest ?? MAX_STATE_PAIRS_PER_RESPONSE, MAX_STATE_PAIRS_PER_RESPONSE))
    this.attempts = Math.max(1, options.attemptsPerPeer ?? STATE_REQUEST_ATTEMPTS)
    this.backoffMs = options.retryBackoffMs ?? STATE_RETRY_BACKOFF_MS
  }

  /** The chunk after `startAfter`, or `undefined` when no peer left has the state. `pairsSoFar`: pairs the download holds. */
  async next(startAfter: Uint8Array | undefined, pairsSoFar: number): Promise<StateChunk | undefined> {
    let lastError: unknown
    for (; this.peerIndex < this.peers.length; this.peerIndex++) {
      const peer = this.peers[this.peerIndex]!
      if (this.components.network.isBanned(peer)) continue
      const answer = await this.fromPeer(peer, startAfter)
      if (answer.status === 'chunk') {
        this.servedBy.set(peer.toString(), peer)
        return answer.chunk
      }
      if (answer.status === 'failed') lastError = answer.error
      else if (this.servedBy.has(peer.toString()))
        await this.components.network.penalise(peer, `served part of the state at ${this.target.number}, then none`, Penalty.FALSE_CLAIM)
      if (this.peerIndex + 1 < this.peers.length) {
        const why = answer.status === 'failed' ? 'its requests keep failing' : 'it does not have the state (pruned or unknown)'
        this.components.log.warn({ peer: peer.toString(), block: this.target.number, pairs: pairsSoFar }, `state download continues with another peer: ${why}`)
      }
    }
    if (lastError === undefined) return undefined
    throw new ConsensusError(
      ConsensusErrorCode.SYNC_FAILED,
      `no peer served the next state chunk at block ${this.target.number}: their requests failed (${this.attempts} attempts each) or they lack the state`,
      { peer: this.peers.at(-1)!.toString() },
      { cause: lastError },
    )
  }

  /** One chunk from `peer`, retried with backoff; what it gave when every attempt failed. */
  private async fromPeer(
    peer: PeerId,
    startAfter: Uint8Array | undefined,
  ): Promise<{ status: 'chunk'; chunk: StateChunk } | { status: 'unavailable' } | { status: 'failed'; error: unknown }> {
    const { network, log, signal } = this.components
    let error: unknown
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.backoff(attempt)
      this.throwIfAborted(peer)
      try {
        this.requests++
        const chunk = await network.requestState(peer, this.target.hash, startAfter, this.perRequest, signal, this.options.requestTimeoutMs)
        return chunk === undefined ? { status: 'unavailable' } : { status: 'chunk', chunk }
      } catch (err) {
        this.throwIfAborted(peer)
        if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE) {
          await network.penalise(peer, `state chunk: ${err.message}`, Penalty.PROTOCOL)
          throw err
        }
        error = err
        if (network.isBanned(peer)) break
        if (attempt < this.attempts) this.retries++
        log.debug(
          { err, peer: peer.toString(), attempt, startAfter: startAfter === undefined ? undefined : u8aToHex(startAfter) },
          'state chunk request failed',
        )
      }
    }
    return { status: 'failed', error }
  }

  /** Waits before attempt `attempt` (2, 3, …): the backoff, doubled each time; ends early on abort. */
  private async backoff(attempt: number): Promise<void> {
    await delay(this.backoffMs * 2 ** (attempt - 2), undefined, { signal: this.components.signal }).catch(() => undefined)
  }

  private throwIfAborted(peer: PeerId): void {
    if (this.components.signal?.aborted === true) throw new ConsensusError(ConsensusErrorCode.SYNC_FAILED, 'state download aborted', { peer: peer.toString() })
  }
}

/** The install's nodes, passed through, with a progress line at most every `intervalMs` (sorting and writing GBs takes minutes). */
function* withInstallProgress<T>(nodes: Iterable<T>, log: Logger, block: number, places: number, intervalMs: number): Generator<T> {
  const started = performance.now()
  let lastLog = started
  let written = 0
  for (const node of nodes) {
    yield node
    written++
    if ((written & 0xfff) !== 0) continue
    const now = performance.now()
    if (now - lastLog < intervalMs) continue
    lastLog = now
    log.info({ block, nodes: written, ofAtMost: places, seconds: Math.round((now - started) / 1000) }, 'installing state')
  }
}

/** Logs a download's progress at most every `intervalMs`: a multi-GB state takes minutes, its user must see it move. */
class DownloadProgress {
  private readonly started = performance.now()
  private lastLog = this.started

  constructor(
    private readonly log: Logger,
    private readonly peer: PeerId,
    private readonly block: number,
    private readonly intervalMs: number,
  ) {}

  elapsedMs(): number {
    return performance.now() - this.started
  }

  report(sofar: { pairs: number; bytes: number; requests: number; retries: number; spilledNodes: number }): void {
    const now = performance.now()
    if (now - this.lastLog < this.intervalMs) return
    this.lastLog = now
    const mbPerSecond = sofar.bytes / 1e6 / ((now - this.started) / 1000)
    this.log.info({ peer: this.peer.toString(), block: this.block, ...sofar, mbPerSecond: Number(mbPerSecond.toFixed(2)) }, 'downloading state')
  }
}
