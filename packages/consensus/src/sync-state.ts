/**
 * State download: the key/value pairs of the state at one block, fetched from one peer in bounded
 * chunks ({@link MAX_STATE_PAIRS_PER_RESPONSE} pairs, {@link MAX_STATE_RESPONSE_BYTES} bytes each),
 * held in memory up to a byte bound, and accepted only when the trie they build has the block
 * header's state root. The check is on the whole state at the end (no per-chunk proof): a peer
 * that serves a wrong state costs at most the bound in memory, is banned, and nothing of its
 * state is kept. A malformed chunk (keys out of order, an undecodable pair) ends the download at
 * once with a protocol penalty; a state beyond the bound is abandoned without one (it cannot be
 * told from a large honest state). One peer serves a whole download, so a mismatch has one culprit.
 */
import { EMPTY_TRIE_ROOT, MerkleTrie, type SyncedState } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { u8aEq, u8aToHex } from '@polkadot/util'
import { DEFAULT_MAX_STATE_SYNC_BYTES, MAX_STATE_PAIRS_PER_RESPONSE, Penalty, STATE_PAIR_OVERHEAD_BYTES } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { ChainNetwork } from './network.js'

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
  /** Most bytes held before the root check ({@link DEFAULT_MAX_STATE_SYNC_BYTES}). */
  maxBytes?: number
  /** Pairs asked for per request (the server caps it); {@link MAX_STATE_PAIRS_PER_RESPONSE}. */
  pairsPerRequest?: number
}

/** A verified state download: the trie ({@link SyncedState}) and what it took. */
export interface DownloadedState extends SyncedState {
  pairs: number
  bytes: number
  requests: number
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
  const { network, log, signal } = components
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STATE_SYNC_BYTES
  const perRequest = Math.max(1, Math.min(options.pairsPerRequest ?? MAX_STATE_PAIRS_PER_RESPONSE, MAX_STATE_PAIRS_PER_RESPONSE))
  const pairs: Array<[Uint8Array, Uint8Array]> = []
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
      if (pairs.length > 0) await network.penalise(peer, `served part of the state at ${target.number}, then none`, Penalty.FALSE_CLAIM)
      return undefined
    }
    for (const pair of chunk.pairs) {
      bytes += pair[0].length + pair[1].length + STATE_PAIR_OVERHEAD_BYTES
      pairs.push(pair)
    }
    if (bytes > maxBytes) {
      throw new ConsensusError(ConsensusErrorCode.STATE_TOO_LARGE, `the state at block ${target.number} from ${peer.toString()} exceeds ${maxBytes} bytes`, {
        peer: peer.toString(),
      })
    }
    if (chunk.complete) break
    startAfter = chunk.pairs.at(-1)![0]
  }
  // The pairs arrived ascending and unique (checked per chunk), so this trie is the peer's state.
  const { root, nodes } = new MerkleTrie({ getNode: () => undefined }, { cacheSize: 0 }).commit(EMPTY_TRIE_ROOT, pairs)
  if (!u8aEq(root, target.stateRoot)) {
    await network.penalise(peer, `state at block ${target.number} does not match its state root`)
    throw new ConsensusError(
      ConsensusErrorCode.BAD_STATE,
      `the state at block ${target.number} from ${peer.toString()} has root ${u8aToHex(root)}, the header's is ${u8aToHex(target.stateRoot)}`,
      { peer: peer.toString() },
    )
  }
  log.info({ peer: peer.toString(), block: target.number, pairs: pairs.length, bytes, requests }, 'downloaded state')
  return { root, nodes, pairs: pairs.length, bytes, requests }
}
