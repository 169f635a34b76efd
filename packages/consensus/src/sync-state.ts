/**
 * State download: the key/value pairs of the state at one block, fetched from one peer in bounded
 * chunks ({@link MAX_STATE_PAIRS_PER_RESPONSE} pairs, {@link MAX_STATE_RESPONSE_BYTES} bytes each),
 * built into a trie as they arrive (they come in key order: `SortedTrieBuilder` holds only the
 * open branches) whose nodes go to a temporary file ({@link NodeSpillFile}), up to a byte bound;
 * accepted only when that trie has the block header's state root. Memory stays flat however large
 * the state (mainnet's is GBs); progress is logged every {@link STATE_PROGRESS_INTERVAL_MS}. The
 * check is on the whole state at the end (no per-chunk proof): a peer that serves a wrong state
 * costs at most the bound on disk, is banned, and nothing of its state is kept. A malformed chunk (keys out of order, an undecodable pair) ends the download at
 * once with a protocol penalty; a state beyond the bound is abandoned without one (it cannot be
 * told from a large honest state). One peer serves a whole download, so a mismatch has one culprit.
 */
import { SortedTrieBuilder, type SyncedState } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { u8aEq, u8aToHex } from '@polkadot/util'
import { DEFAULT_MAX_STATE_SYNC_BYTES, MAX_STATE_PAIRS_PER_RESPONSE, Penalty, STATE_PAIR_OVERHEAD_BYTES, STATE_PROGRESS_INTERVAL_MS } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { ChainNetwork } from './network.js'
import { NodeSpillFile } from './sync-state-spill.js'

/** What a state download needs: the network's `state` request and its penalties. */
export interface StateDownloadComponents {
  network: Pick<ChainNetwork, 'requestState' | 'penalise'>
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
}

/** A verified state download: the trie ({@link SyncedState}, its nodes read from a temporary file) and what it took. */
export interface DownloadedState extends SyncedState {
  pairs: number
  bytes: number
  requests: number
  /** Removes the temporary file of nodes: call once they are installed, or to abandon them. */
  dispose(): void
}

/**
 * Downloads the state at `target` from `peer` and checks it against `target.stateRoot`. Resolves to
 * the state's trie nodes, or `undefined` when the peer does not have that state (unknown block, or
 * pruned). Throws {@link ConsensusError}: `BAD_STATE` (root mismatch; peer banned), `BAD_MESSAGE`
 * (malformed chunk; peer penalised), `STATE_TOO_LARGE`, or `SYNC_FAILED` (a request failed).
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

/** {@link downloadState}'s download: the pairs built into a trie whose nodes go to `spill`, then the root check. */
async function fetchIntoSpill(
  components: StateDownloadComponents,
  peer: PeerId,
  target: StateTarget,
  options: StateDownloadOptions,
  spill: NodeSpillFile,
): Promise<DownloadedState | undefined> {
  const { network, log, signal } = components
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STATE_SYNC_BYTES
  const perRequest = Math.max(1, Math.min(options.pairsPerRequest ?? MAX_STATE_PAIRS_PER_RESPONSE, MAX_STATE_PAIRS_PER_RESPONSE))
  const builder = new SortedTrieBuilder((hash, encoding) => spill.add(hash, encoding))
  const progress = new DownloadProgress(log, peer, target.number, options.progressIntervalMs ?? STATE_PROGRESS_INTERVAL_MS)
  let bytes = 0
  let requests = 0
  let startAfter: Uint8Array | undefined
  for (;;) {
    if (signal?.aborted === true) throw new ConsensusError(ConsensusErrorCode.SYNC_FAILED, 'state download aborted', { peer: peer.toString() })
    let chunk: Awaited<ReturnType<typeof network.requestState>>
    try {
      chunk = await network.requestState(peer, target.hash, startAfter, perRequest, signal)
      requests++
    } catch (err) {
      if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE)
        await network.penalise(peer, `state chunk: ${err.message}`, Penalty.PROTOCOL)
      throw err
    }
    if (chunk === undefined) {
      if (builder.size > 0) await network.penalise(peer, `served part of the state at ${target.number}, then none`, Penalty.FALSE_CLAIM)
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
    progress.report({ pairs: builder.size, bytes, requests, spilledNodes: spill.count })
    if (chunk.complete) break
    startAfter = chunk.pairs.at(-1)![0]
  }
  const root = builder.finish()
  if (!u8aEq(root, target.stateRoot)) {
    await network.penalise(peer, `state at block ${target.number} does not match its state root`)
    throw new ConsensusError(
      ConsensusErrorCode.BAD_STATE,
      `the state at block ${target.number} from ${peer.toString()} has root ${u8aToHex(root)}, the header's is ${u8aToHex(target.stateRoot)}`,
      { peer: peer.toString() },
    )
  }
  const pairs = builder.size
  log.info(
    { peer: peer.toString(), block: target.number, pairs, bytes, requests, nodes: spill.count, ms: Math.round(progress.elapsedMs()) },
    'downloaded state',
  )
  return { root, nodes: { [Symbol.iterator]: () => spill.nodes() }, pairs, bytes, requests, dispose: () => spill.dispose() }
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

  report(sofar: { pairs: number; bytes: number; requests: number; spilledNodes: number }): void {
    const now = performance.now()
    if (now - this.lastLog < this.intervalMs) return
    this.lastLog = now
    const mbPerSecond = sofar.bytes / 1e6 / ((now - this.started) / 1000)
    this.log.info({ peer: this.peer.toString(), block: this.block, ...sofar, mbPerSecond: Number(mbPerSecond.toFixed(2)) }, 'downloading state')
  }
}
