/**
 * State download: the key/value pairs of the state at one block, fetched from a peer in bounded
 * chunks ({@link MAX_STATE_PAIRS_PER_RESPONSE} pairs, {@link MAX_STATE_RESPONSE_BYTES} bytes each),
 * built into a trie as they arrive (they come in key order: `SortedTrieBuilder` holds only the
 * open branches) whose nodes go to a temporary file ({@link NodeSpillFile}), up to a byte bound;
 * accepted only when that trie has the block header's state root. Memory stays flat however large
 * the state (mainnet's is GBs); progress is logged every {@link STATE_PROGRESS_INTERVAL_MS}. The
 * check is on the whole state at the end (no per-chunk proof): a peer that serves a wrong state
 * costs at most the bound on disk, is banned, and nothing of its state is kept. A malformed chunk
 * (keys out of order, an undecodable pair) ends the download at once with a protocol penalty; a
 * state beyond the bound is abandoned without one (it cannot be told from a large honest state).
 * A failed request (timeout, reset) is asked again, then of another peer, from the last key
 * received: a transient failure never restarts the download.
 *
 * When every peer's requests fail (timeouts, resets: a busy or cut network, not a wrong state), the
 * download so far is not lost: given a {@link StateDownloadCarry}, the caller's next round at the
 * same block continues it from the last key received (its spill file, trie and ranges kept); a
 * round at another block, or the carry's disposal, removes it.
 *
 * Every peer is assumed hostile, including one that serves false pairs and then stalls so that
 * another finishes the download. So the download records, for each peer, the key range it served
 * ((startAfter, lastKey], to the end for the one that answered "complete") and a digest of its
 * pairs: a few bytes per peer. A state several peers served that does not match is downloaded again
 * from one of them alone (at most one whole re-download); when that one matches, its pairs are
 * compared with the recorded ranges as they stream in, every peer whose range differs is banned (the
 * verified state is the evidence), and the verified state is the one returned. When it does not
 * match, its peer is banned as any single peer's wrong state is; an honest peer is never banned.
 */
import { createHash } from 'node:crypto'
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
  /** Keeps a download every peer failed mid-way for the next call at the same block, which continues it (see {@link StateDownloadCarry}). */
  carry?: StateDownloadCarry
}

/** A verified state download: the trie ({@link SyncedState}, its nodes read from a temporary file) and what it took. */
export interface DownloadedState extends SyncedState {
  pairs: number
  bytes: number
  requests: number
  /** Chunk requests that failed (timed out, stream reset) and were asked again. */
  retries: number
  /** Bytes of the temporary file of nodes: the install's sort writes as much again beside it. */
  fileBytes: number
  /** Removes the temporary file of nodes: call once they are installed, or to abandon them. */
  dispose(): void
}

/**
 * Downloads the state at `target` from `peer` (then `options.otherPeers`) and checks it against
 * `target.stateRoot`. A failed chunk request is asked again from the last key received (up to
 * `attemptsPerPeer` times with backoff, then of the next peer): the trie built so far stays valid,
 * since pairs arrive in key order. A state several peers served that does not match is downloaded
 * again from one of them alone ({@link findLiars}): when that one matches, it is the state returned
 * and the peers whose parts differ from it are banned. Resolves to the state's trie nodes, or
 * `undefined` when no peer has that state (unknown block, or pruned). Throws {@link ConsensusError}:
 * `BAD_STATE` (root mismatch; the peer is banned when it served it all alone), `BAD_MESSAGE`
 * (malformed chunk; peer penalised), `STATE_TOO_LARGE`, or `SYNC_FAILED` (every peer failed a
 * chunk, or aborted).
 */
export async function downloadState(
  components: StateDownloadComponents,
  peer: PeerId,
  target: StateTarget,
  options: StateDownloadOptions = {},
): Promise<DownloadedState | undefined> {
  const peers = [peer, ...(options.otherPeers ?? [])]
  const attempt = await downloadOnce(components, peers, target, options, undefined, options.carry)
  if (attempt === undefined || !('mismatch' in attempt)) return attempt
  const servers = uniquePeers(attempt.ranges.map((r) => r.peer))
  if (servers.length === 1) return refuseMismatch(components, servers, target, attempt.mismatch)
  return findLiars(components, peers, target, options, attempt.ranges, attempt.mismatch)
}

/**
 * Holds, between the rounds of a sync, a download that every peer's requests failed mid-way (its
 * temporary file of nodes, the trie's open branches, the last key received, who served what): the
 * next {@link downloadState} at the same block continues it from there instead of from the first
 * key (at 10 M files a download is 13 GB; a round lost to a busy network cost it all). A download
 * at another block drops it: it is never mixed with another state. Whoever creates it disposes it
 * when it stops syncing (that removes the file).
 */
export class StateDownloadCarry {
  private held: { target: StateTarget; partial: PartialDownload } | undefined

  /** The block of the download held, if any. */
  get target(): StateTarget | undefined {
    return this.held?.target
  }

  /** Pairs and bytes the held download has received. */
  get received(): { pairs: number; bytes: number } | undefined {
    const partial = this.held?.partial
    return partial === undefined ? undefined : { pairs: partial.builder.size, bytes: partial.bytes }
  }

  /** The download held for `target` (it is then the caller's); one held for another block is removed. */
  take(target: StateTarget): PartialDownload | undefined {
    const held = this.held
    this.held = undefined
    if (held === undefined) return undefined
    if (u8aEq(held.target.hash, target.hash)) return held.partial
    held.partial.dispose()
    return undefined
  }

  keep(target: StateTarget, partial: PartialDownload): void {
    this.dispose()
    this.held = { target, partial }
  }

  /** Removes the held download and its file. */
  dispose(): void {
    this.held?.partial.dispose()
    this.held = undefined
  }
}

/**
 * A download under way: the trie built from the pairs received (in key order), whose nodes go to
 * a temporary file; the last key received, which the next request asks after; the ranges each peer
 * served ({@link RangeRecorder}); counts for the logs. Outlives a round when every peer fails.
 */
export class PartialDownload {
  readonly spill: NodeSpillFile
  readonly builder: SortedTrieBuilder
  readonly recorder = new RangeRecorder()
  readonly progress: DownloadProgress
  bytes = 0
  startAfter: Uint8Array | undefined
  requests = 0
  retries = 0

  constructor(log: Logger, peer: PeerId, target: StateTarget, options: StateDownloadOptions) {
    this.spill = new NodeSpillFile(options.spillDir)
    this.builder = new SortedTrieBuilder((hash, encoding) => this.spill.add(hash, encoding))
    this.progress = new DownloadProgress(log, peer, target.number, options.progressIntervalMs ?? STATE_PROGRESS_INTERVAL_MS)
  }

  dispose(): void {
    this.spill.dispose()
  }
}

type StateChunk = NonNullable<Awaited<ReturnType<ChainNetwork['requestState']>>>

/** A finished download whose trie does not have the header's state root: the root it has, and who served what. */
type RootMismatch = { mismatch: Uint8Array; ranges: ServedRange[] }

/** What a download does with each chunk beside building the trie: record who served what, or compare it with a record. */
interface ChunkObserver {
  chunk(peer: PeerId, startAfter: Uint8Array | undefined, chunk: StateChunk): void
}

/**
 * One download from `peers` in turn, into a fresh spill file or continuing the one `carry` holds
 * for `target`: the state when its root is the header's (the caller disposes it), `undefined` when
 * no peer has it, or the mismatching root (the file already removed: a refused state leaves
 * nothing on disk). When every peer's requests failed, the download goes to `carry` (if given)
 * for the next round; any other failure removes it. `audit` sees each chunk too.
 */
async function downloadOnce(
  components: StateDownloadComponents,
  peers: readonly PeerId[],
  target: StateTarget,
  options: StateDownloadOptions,
  audit?: ChunkObserver,
  carry?: StateDownloadCarry,
): Promise<DownloadedState | RootMismatch | undefined> {
  const { log, signal } = components
  const resumed = carry?.take(target)
  if (resumed !== undefined)
    log.info(
      { block: target.number, pairs: resumed.builder.size, bytes: resumed.bytes, peer: peers[0]!.toString() },
      'state download continues from the last key received',
    )
  const partial = resumed ?? new PartialDownload(log, peers[0]!, target, options)
  try {
    const state = await fetchIntoSpill(components, peers, target, options, partial, audit)
    if (state === undefined || 'mismatch' in state) partial.dispose()
    return state
  } catch (err) {
    const interrupted = err instanceof ConsensusError && err.code === ConsensusErrorCode.SYNC_FAILED && signal?.aborted !== true
    if (carry !== undefined && interrupted) {
      carry.keep(target, partial)
      log.warn(
        { block: target.number, pairs: partial.builder.size, bytes: partial.bytes },
        'state download interrupted (every peer failed): the next round continues it from the last key received',
      )
    } else partial.dispose()
    throw err
  }
}

/** {@link downloadOnce}'s download: the pairs built into `partial`'s trie (its nodes to its spill file) from its last key, then the root check. */
async function fetchIntoSpill(
  components: StateDownloadComponents,
  peers: readonly PeerId[],
  target: StateTarget,
  options: StateDownloadOptions,
  partial: PartialDownload,
  audit: ChunkObserver | undefined,
): Promise<DownloadedState | RootMismatch | undefined> {
  const { log } = components
  const peer = peers[0]!
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STATE_SYNC_BYTES
  const { builder, spill, progress } = partial
  const source = new ChunkSource(components, peers, target, options, partial)
  for (;;) {
    const served = await source.next(partial.startAfter, builder.size)
    if (served === undefined) {
      log.warn(
        { block: target.number, pairs: builder.size, bytes: partial.bytes },
        'state download abandoned: no peer has the state at this block (pruned or unknown)',
      )
      return undefined
    }
    const { chunk } = served
    partial.recorder.chunk(served.peer, partial.startAfter, chunk)
    audit?.chunk(served.peer, partial.startAfter, chunk)
    // Each chunk is ascending and unique (checked on receipt) and starts after the last key asked
    // for, so the builder's own order check cannot fail on an honest or a dishonest peer.
    for (const [key, value] of chunk.pairs) {
      partial.bytes += key.length + value.length + STATE_PAIR_OVERHEAD_BYTES
      builder.add(key, value)
    }
    if (partial.bytes > maxBytes) {
      throw new ConsensusError(ConsensusErrorCode.STATE_TOO_LARGE, `the state at block ${target.number} from ${peer.toString()} exceeds ${maxBytes} bytes`, {
        peer: peer.toString(),
      })
    }
    progress.report({ pairs: builder.size, bytes: partial.bytes, requests: partial.requests, retries: partial.retries, spilledNodes: spill.count })
    if (chunk.complete) break
    partial.startAfter = chunk.pairs.at(-1)![0]
  }
  const root = builder.finish()
  if (!u8aEq(root, target.stateRoot)) return { mismatch: root, ranges: partial.recorder.finish() }
  const pairs = builder.size
  const { requests, retries, bytes } = partial
  log.info(
    { peer: peer.toString(), block: target.number, pairs, bytes, requests, retries, nodes: spill.count, ms: Math.round(progress.elapsedMs()) },
    'downloaded state',
  )
  const intervalMs = options.progressIntervalMs ?? STATE_PROGRESS_INTERVAL_MS
  return {
    root,
    nodes: { [Symbol.iterator]: () => spill.nodes() },
    sortedNodes: {
      [Symbol.iterator]: () =>
        withInstallProgress(spill.sortedNodes(sortProgress(log, target.number, spill.count, intervalMs)), log, target.number, spill.count, intervalMs),
    },
    pairs,
    bytes,
    requests,
    retries,
    fileBytes: spill.bytes,
    dispose: () => spill.dispose(),
  }
}

/**
 * A state several peers served does not match its root: one of them lied, which one is unknown.
 * The state is downloaded again from one peer alone: those that served part of it first, then the
 * others, each in turn until one serves it whole (one that fails or lacks the state hands over to
 * the next; at most one whole re-download). Its pairs are compared, as they arrive, with the ranges
 * the first download recorded ({@link RangeAudit}). When its root matches, it is the state
 * returned, and every peer whose range differs from it is banned: what it served there is provably
 * not the state. When it does not match, its peer is banned, as any single peer's wrong state.
 * When no peer serves it alone, nobody is banned (no evidence) and the first mismatch is thrown.
 */
async function findLiars(
  components: StateDownloadComponents,
  peers: readonly PeerId[],
  target: StateTarget,
  options: StateDownloadOptions,
  ranges: readonly ServedRange[],
  mismatch: Uint8Array,
): Promise<DownloadedState> {
  const { log, network, signal } = components
  const servers = uniquePeers(ranges.map((r) => r.peer))
  log.warn(
    { block: target.number, peers: servers.map(String) },
    'a state served by several peers does not match its root: downloading it again from one of them alone to find the liar',
  )
  for (const candidate of uniquePeers([...servers, ...peers])) {
    if (network.isBanned(candidate)) continue
    const audit = new RangeAudit(ranges)
    let attempt: Awaited<ReturnType<typeof downloadOnce>>
    try {
      attempt = await downloadOnce(components, [candidate], target, options, audit)
    } catch (err) {
      if (signal?.aborted === true) throw err
      log.warn({ err, peer: candidate.toString(), block: target.number }, 'the state could not be downloaded again from this peer alone: trying the next')
      continue
    }
    if (attempt === undefined) continue
    if ('mismatch' in attempt) return refuseMismatch(components, [candidate], target, attempt.mismatch)
    const differing = audit.finish()
    for (const { range, pairs } of differing) {
      await network.penalise(
        range.peer,
        `served a false part of the state at block ${target.number}: ${describeRange(range)} (${range.pairs} pairs; the verified state has ${pairs} there)`,
      )
    }
    if (differing.length === 0)
      log.warn({ block: target.number, from: candidate.toString() }, 'the state downloaded again matches its root, yet no served part differs from it')
    else
      log.warn(
        { block: target.number, from: candidate.toString(), banned: uniquePeers(differing.map((d) => d.range.peer)).map(String) },
        'the state downloaded again from one peer matches its root: the peers whose parts differ from it are banned',
      )
    return attempt
  }
  return refuseMismatch(components, servers, target, mismatch)
}

/**
 * Throws BAD_STATE for a state whose root is not the header's. A peer that served the whole state
 * is banned; when several served parts of it and none could serve it again alone, the culprit is
 * not known, so none is: the next round starts fresh, from one peer again.
 */
async function refuseMismatch(components: StateDownloadComponents, servers: readonly PeerId[], target: StateTarget, root: Uint8Array): Promise<never> {
  const ids = servers.map(String)
  if (servers.length === 1) await components.network.penalise(servers[0]!, `state at block ${target.number} does not match its state root`)
  else
    components.log.warn(
      { block: target.number, peers: ids },
      'a state served by several peers does not match its root and none served it again alone: none is banned',
    )
  throw new ConsensusError(
    ConsensusErrorCode.BAD_STATE,
    `the state at block ${target.number} from ${ids.join(', ')} has root ${u8aToHex(root)}, the header's is ${u8aToHex(target.stateRoot)}`,
    { peer: ids[0] ?? '' },
  )
}

/** `peers` without repeats, in order. */
function uniquePeers(peers: readonly PeerId[]): PeerId[] {
  const byId = new Map<string, PeerId>()
  for (const peer of peers) if (!byId.has(peer.toString())) byId.set(peer.toString(), peer)
  return [...byId.values()]
}

/**
 * What one peer served of a download, in a row (the chunks it served until the download moved on
 * to the next peer, which never goes back: one range per peer at most): the keys after `startAfter`
 * (the whole state's start when undefined) up to `lastKey`, or to the end when it answered the
 * state complete; a digest of its pairs ({@link pairsDigest}). Small, whatever the range's size.
 */
interface ServedRange {
  peer: PeerId
  startAfter: Uint8Array | undefined
  firstKey: Uint8Array | undefined
  lastKey: Uint8Array | undefined
  /** Its last chunk claimed that no key follows. */
  complete: boolean
  pairs: number
  digest: Uint8Array
}

/** Bytes kept of a range's digest. */
const RANGE_DIGEST_BYTES = 32

/** A digest of key/value pairs in order (blake2b, each key and value prefixed by its length), fed as they arrive. */
function pairsDigest(): { add(key: Uint8Array, value: Uint8Array): void; digest(): Uint8Array } {
  const hash = createHash('blake2b512')
  const length = Buffer.alloc(4)
  const feed = (bytes: Uint8Array) => {
    length.writeUInt32LE(bytes.length)
    hash.update(length)
    hash.update(bytes)
  }
  return {
    add(key, value) {
      feed(key)
      feed(value)
    },
    digest: () => new Uint8Array(hash.digest().subarray(0, RANGE_DIGEST_BYTES)),
  }
}

/** `(startAfter, lastKey]` of a range, in hex, for logs and ban reasons. */
function describeRange(range: ServedRange): string {
  const from = range.startAfter === undefined ? 'the first key' : `after ${u8aToHex(range.startAfter)}`
  const to = range.complete ? 'the end' : u8aToHex(range.lastKey)
  return `keys from ${from} to ${to}`
}

/** Records the {@link ServedRange} of each peer of a download, chunk by chunk. */
class RangeRecorder implements ChunkObserver {
  private readonly ranges: ServedRange[] = []
  private open: { range: ServedRange; digest: ReturnType<typeof pairsDigest> } | undefined

  chunk(peer: PeerId, startAfter: Uint8Array | undefined, chunk: StateChunk): void {
    if (this.open === undefined || !this.open.range.peer.equals(peer)) {
      this.close()
      const range = { peer, startAfter, firstKey: undefined, lastKey: undefined, complete: false, pairs: 0, digest: new Uint8Array() }
      this.open = { range, digest: pairsDigest() }
    }
    const { range, digest } = this.open
    for (const [key, value] of chunk.pairs) digest.add(key, value)
    range.firstKey ??= chunk.pairs[0]?.[0]
    range.lastKey = chunk.pairs.at(-1)?.[0] ?? range.lastKey
    range.pairs += chunk.pairs.length
    range.complete = chunk.complete
  }

  /** The ranges, in key order (contiguous: each starts after the last key of the one before). */
  finish(): ServedRange[] {
    this.close()
    return this.ranges
  }

  private close(): void {
    if (this.open === undefined) return
    this.open.range.digest = this.open.digest.digest()
    this.ranges.push(this.open.range)
    this.open = undefined
  }
}

/**
 * Compares the pairs of a single-peer download, as they arrive (in key order), with the ranges a
 * mixed download recorded: the pairs in each range's keys are digested as its peer's were, and
 * the ranges whose digest differs are kept. The last range runs to the end of the state (its peer
 * claimed nothing follows): pairs beyond its last key differ too. Holds one digest at a time.
 */
class RangeAudit implements ChunkObserver {
  private index = 0
  private digest = pairsDigest()
  private pairs = 0
  private readonly differing: Array<{ range: ServedRange; pairs: number }> = []

  constructor(private readonly ranges: readonly ServedRange[]) {}

  chunk(_peer: PeerId, _startAfter: Uint8Array | undefined, chunk: StateChunk): void {
    for (const [key, value] of chunk.pairs) {
      // A range other than the last ends at its last key (it is never empty: it claimed more).
      while (this.index < this.ranges.length - 1 && Buffer.compare(key, this.ranges[this.index]!.lastKey!) > 0) this.close()
      this.digest.add(key, value)
      this.pairs++
    }
  }

  /** The ranges that differ from the pairs seen (call once the download's root has matched), with the pairs the state has there. */
  finish(): Array<{ range: ServedRange; pairs: number }> {
    while (this.index < this.ranges.length) this.close()
    return this.differing
  }

  private close(): void {
    const range = this.ranges[this.index]!
    if (this.pairs !== range.pairs || !u8aEq(this.digest.digest(), range.digest)) this.differing.push({ range, pairs: this.pairs })
    this.index++
    this.digest = pairsDigest()
    this.pairs = 0
  }
}

/**
 * The chunks of one download, from a list of peers in order: a failed request (timed out, stream
 * reset) is asked again of the same peer after a backoff, up to its attempts, then of the next
 * peer, always from the same key; a peer that no longer has the state is left for the next too.
 * A malformed chunk ends the download (the peer is penalised): it is a dishonest peer, not a slow one.
 */
class ChunkSource {
  /** The peers that served at least one chunk, by id. */
  private readonly servedBy = new Map<string, PeerId>()
  private peerIndex = 0
  private readonly perRequest: number
  private readonly attempts: number
  private readonly backoffMs: number

  constructor(
    private readonly components: StateDownloadComponents,
    private readonly peers: readonly PeerId[],
    private readonly target: StateTarget,
    private readonly options: StateDownloadOptions,
    /** Where the requests and retries are counted (the download's, across rounds). */
    private readonly counts: { requests: number; retries: number },
  ) {
    this.perRequest = Math.max(1, Math.min(options.pairsPerRequest ?? MAX_STATE_PAIRS_PER_RESPONSE, MAX_STATE_PAIRS_PER_RESPONSE))
    this.attempts = Math.max(1, options.attemptsPerPeer ?? STATE_REQUEST_ATTEMPTS)
    this.backoffMs = options.retryBackoffMs ?? STATE_RETRY_BACKOFF_MS
  }

  /** The chunk after `startAfter` and the peer that served it, or `undefined` when no peer left has the state. `pairsSoFar`: pairs the download holds. */
  async next(startAfter: Uint8Array | undefined, pairsSoFar: number): Promise<{ peer: PeerId; chunk: StateChunk } | undefined> {
    let lastError: unknown
    for (; this.peerIndex < this.peers.length; this.peerIndex++) {
      const peer = this.peers[this.peerIndex]!
      if (this.components.network.isBanned(peer)) continue
      const answer = await this.fromPeer(peer, startAfter)
      if (answer.status === 'chunk') {
        this.servedBy.set(peer.toString(), peer)
        return { peer, chunk: answer.chunk }
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
        this.counts.requests++
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
        if (attempt < this.attempts) this.counts.retries++
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

/** Logs the sort of a downloaded state's nodes, before the install writes them, at most every `intervalMs`. */
function sortProgress(log: Logger, block: number, places: number, intervalMs: number): (runs: number, nodesRead: number) => void {
  const started = performance.now()
  let lastLog = started
  return (runs, nodesRead) => {
    const now = performance.now()
    if (now - lastLog < intervalMs) return
    lastLog = now
    log.info({ block, runs, nodesRead, of: places, seconds: Math.round((now - started) / 1000) }, 'sorting the downloaded state')
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
