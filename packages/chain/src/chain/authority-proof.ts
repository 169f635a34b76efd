/**
 * Authority proofs: the trie nodes of a block's state that the authority and voter sets for blocks
 * built on it are read from. A node without that block's state (a state-syncing one) checks a peer's
 * proof against the block's header alone: the nodes are content-addressed from the header's state
 * root, so the sets read from them are the chain's, and a proof missing a node the reads need fails.
 * Authority sets are derived from the state (staking's elections, session keys), not announced in
 * headers, so this is what lets a node follow authority set changes without executing the blocks.
 */
import { compactFromU8a, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2b256, MemoryNodeStore, MerkleTrie, StateError, type TrieNodeReader } from '../state/index.js'
import type { AuthoritySet, VoterSet } from './authorities.js'
import { ChainError, ChainErrorCode } from './errors.js'
import type { BlockRecord, StateView } from './interface.js'

/** The sets an authority proof shows for blocks built on its block. */
export interface ProvenAuthorities {
  /** Slot authors' keys, in slot order. */
  authorities: readonly Uint8Array[]
  voters: VoterSet
}

function view(trie: MerkleTrie, root: Uint8Array): StateView {
  return { root, get: (key) => trie.get(root, key), keys: (prefix, limit, startAfter) => trie.keys(root, prefix, limit, startAfter) }
}

const sets = (set: AuthoritySet, block: BlockRecord, state: StateView): ProvenAuthorities => {
  const fresh = set.uncached?.() ?? set
  return { authorities: fresh.authoritiesFor(block, state), voters: fresh.votersFor(block, state) }
}

/** The encodings of the nodes of `block`'s state (read through `reader`) that `set`'s reads touch, each once. */
export function proveAuthorities(reader: TrieNodeReader, set: AuthoritySet, block: BlockRecord): Uint8Array[] {
  const touched = new Map<string, Uint8Array>()
  const recorder: TrieNodeReader = {
    getNode: (hash) => {
      const encoded = reader.getNode(hash)
      if (encoded !== undefined) touched.set(u8aToHex(hash), encoded)
      return encoded
    },
  }
  sets(set, block, view(new MerkleTrie(recorder, { cacheSize: 0 }), block.header.stateRoot))
  return [...touched.values()]
}

/**
 * The sets for blocks built on `block`, read from `nodes` (a peer's proof) under `block`'s header
 * state root. Throws {@link ChainError} `AUTHORITY_PROOF_INVALID` when the proof lacks a node the
 * reads need or holds one that does not decode.
 */
export function verifyAuthorityProof(set: AuthoritySet, block: BlockRecord, nodes: readonly Uint8Array[]): ProvenAuthorities {
  const store = new MemoryNodeStore()
  // Keyed by the hash computed here: a peer's claimed hash for a node is never trusted.
  store.put(nodes.map((encoded) => [blake2b256(encoded), encoded] as const))
  try {
    return sets(set, block, view(new MerkleTrie(store, { cacheSize: 0 }), block.header.stateRoot))
  } catch (err) {
    if (!(err instanceof StateError)) throw err
    throw new ChainError(ChainErrorCode.AUTHORITY_PROOF_INVALID, `the authority proof of block ${block.number} ${block.hashHex} is invalid: ${err.message}`)
  }
}

/** A proof as the database keeps it: SCALE `Vec<Vec<u8>>`. */
export function encodeAuthorityProof(nodes: readonly Uint8Array[]): Uint8Array {
  return u8aConcat(compactToU8a(nodes.length), ...nodes.flatMap((n) => [compactToU8a(n.length), n]))
}

/** See {@link encodeAuthorityProof}. */
export function decodeAuthorityProof(bytes: Uint8Array): Uint8Array[] {
  const [first, count] = compactFromU8a(bytes)
  let offset = first
  const out: Uint8Array[] = []
  for (let i = 0; i < count.toNumber(); i++) {
    const [o, length] = compactFromU8a(bytes.subarray(offset))
    const start = offset + o
    const end = start + length.toNumber()
    if (end > bytes.length) throw new ChainError(ChainErrorCode.CORRUPT, 'a stored authority proof is truncated')
    out.push(bytes.slice(start, end))
    offset = end
  }
  return out
}
