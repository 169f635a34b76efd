/**
 * The chain's embedded database (LMDB): blocks, canonical index, state trie nodes and meta, with
 * one atomic write per block.
 *
 * @example
 * ```ts
 * import { ChainDatabase, MerkleTrie, EMPTY_TRIE_ROOT } from '@crust-ts/chain'
 *
 * const db = ChainDatabase.open('./data/chain')
 * const trie = new MerkleTrie(db)
 * const { root, nodes } = trie.commit(EMPTY_TRIE_ROOT, [[Uint8Array.of(1), Uint8Array.of(2)]])
 * const hash = new Uint8Array(32)
 * db.commitBlock({ block: { hash, number: 0, header: root, body: new Uint8Array() }, nodes, canonical: true, meta: { best: hash } })
 * await db.close()
 * ```
 */
export * from './buckets.js'
export * from './chain-db.js'
export * from './errors.js'
export type { JournalBlock, StatePruneStep } from './state-journal.js'
