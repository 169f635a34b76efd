/**
 * State sync on the chain's side: serving the key/value pairs of a stored state in bounded chunks,
 * and installing a state downloaded from peers (verified against its header's state root) as the
 * best and finalized block of a fresh database, with the header chain below it and no state before
 * it. The download and the peer checks live in `@crust-ts/consensus`.
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import { decodeHeader, type Header, hashHeader } from '../primitives/header.js'
import type { MerkleTrie } from '../state/index.js'
import type { BlockTree } from './block-tree.js'
import { blockRecord } from './block-tree.js'
import { META_BEST, META_FINALIZED, META_STATE_FROM } from './constants.js'
import { ChainError, ChainErrorCode } from './errors.js'
import type { BlockRecord } from './interface.js'
import { encodeStateFrom } from './state-pruning.js'

/** Bounds of one {@link readStateChunk}. */
export interface StateChunkLimits {
  /** Most pairs. */
  pairs: number
  /** Most bytes of keys and values (at least one pair is returned however large). */
  bytes: number
}

/** A chunk of a state's pairs, ascending by key, and whether it ends the state. */
export interface StateChunk {
  pairs: Array<[key: Uint8Array, value: Uint8Array]>
  /** No pair of the state comes after the last one here. */
  complete: boolean
}

/** The pairs of the trie at `root` strictly after `startAfter` (from the first key when absent), within `limits`. */
export function readStateChunk(trie: MerkleTrie, root: Uint8Array, startAfter: Uint8Array | undefined, limits: StateChunkLimits): StateChunk {
  const pairs: StateChunk['pairs'] = []
  let bytes = 0
  const it = trie.entries(root, new Uint8Array(), startAfter)
  for (;;) {
    const next = it.next()
    if (next.done === true) return { pairs, complete: true }
    const [key, value] = next.value
    const size = key.length + value.length
    if (pairs.length >= limits.pairs || (pairs.length > 0 && bytes + size > limits.bytes)) return { pairs, complete: false }
    pairs.push([key, value])
    bytes += size
  }
}

/**
 * A state downloaded and verified against its block's state root: the trie's root and every node of
 * it, once per place. Iterated once, inside the install's transaction: it may stream the nodes from
 * disk (a multi-GB state is not held in memory).
 */
export interface SyncedState {
  root: Uint8Array
  nodes: Iterable<readonly [Uint8Array, Uint8Array]>
  /** The same nodes once each, ascending by hash, with their count of places: installed by appending (see `CommitSyncedStateWrite.sortedNodes`). */
  sortedNodes?: Iterable<readonly [Uint8Array, Uint8Array, number]>
}

const refuse = (why: string): ChainError => new ChainError(ChainErrorCode.STATE_SYNC_REFUSED, `synced state refused: ${why}`)

/**
 * Installs `state` at the last of `headers` (the canonical headers from block 1 up, ascending) as the
 * best and finalized block, in one database write: the chain must be fresh (genesis only) on a
 * pruned database, the headers must link from genesis, and the state's root must be the last
 * header's state root. The caller has verified the headers (seals) and the finality of the last one;
 * `justification` is stored with it. Throws {@link ChainError} `STATE_SYNC_REFUSED`.
 */
export function installSyncedState(tree: BlockTree, headers: readonly Uint8Array[], state: SyncedState, justification?: Uint8Array): BlockRecord {
  if (tree.db.stateMode !== 'pruned') throw refuse('the database keeps every state (archive); state sync needs a pruned one')
  if (tree.best.number !== 0 || tree.finalized.number !== 0) throw refuse(`the chain is not fresh (best block ${tree.best.number})`)
  if (headers.length === 0) throw refuse('no headers')
  const stored: Array<{ hash: Uint8Array; number: number; header: Uint8Array }> = []
  let parent: { hash: Uint8Array; number: number } = tree.genesis
  let last: Header | undefined
  for (const bytes of headers) {
    let header: Header
    try {
      header = decodeHeader(bytes)
    } catch {
      throw refuse(`the header above block ${parent.number} does not decode`)
    }
    if (header.number !== parent.number + 1 || !u8aEq(header.parentHash, parent.hash))
      throw refuse(`header ${header.number} does not link to block ${parent.number}`)
    const hash = hashHeader(bytes)
    stored.push({ hash, number: header.number, header: bytes })
    parent = { hash, number: header.number }
    last = header
  }
  const target = blockRecord(parent.hash, last!)
  if (!u8aEq(target.header.stateRoot, state.root))
    throw refuse(`the state's root ${u8aToHex(state.root)} is not block ${target.number}'s state root ${u8aToHex(target.header.stateRoot)}`)
  tree.db.commitSyncedState({
    headers: stored,
    nodes: state.nodes,
    ...(state.sortedNodes === undefined ? {} : { sortedNodes: state.sortedNodes }),
    meta: { [META_BEST]: target.hash, [META_FINALIZED]: target.hash, [META_STATE_FROM]: encodeStateFrom(target.number) },
    ...(justification === undefined ? {} : { justifications: [[target.hash, justification] as const] }),
  })
  tree.stateFrom = target.number
  tree.leaves.clear()
  tree.leaves.set(target.hashHex, target)
  tree.best = target
  tree.finalized = target
  return target
}
