/** The chain's contract: its block records, state views, events and what import and production give back. */
import type { DecodedExtrinsic } from '../frame/extrinsic.js'
import type { Header } from '../primitives/header.js'
import type { ApplyOutcome } from '../runtime/executive.js'

export interface BlockRecord {
  hash: Uint8Array
  hashHex: string
  header: Header
  number: number
}

/** Read-only state at one block. */
export interface StateView {
  readonly root: Uint8Array
  get(key: Uint8Array): Uint8Array | undefined
  /** Keys under `prefix`, ascending, after `startAfter`, at most `limit`. */
  keys(prefix: Uint8Array, limit: number, startAfter?: Uint8Array): Uint8Array[]
}

export interface ImportedBlock {
  block: BlockRecord
  extrinsics: Uint8Array[]
  /** Storage keys (hex) this block changed. */
  changedKeys: Set<string>
  /** The transactions offered to the block that were applied, with their outcome. */
  applied: Array<{ xt: DecodedExtrinsic; outcome: ApplyOutcome }>
}

/** A pool-side source of transactions: yields candidates; told when one cannot go in. */
export interface TransactionSource {
  [Symbol.iterator](): Iterator<DecodedExtrinsic>
  /** The candidate just yielded was not included (its sender's later nonces cannot follow). */
  reject?(xt: DecodedExtrinsic, outcome: ApplyOutcome): void
}

/** Two different blocks sealed by one author for one slot: the evidence of a block equivocation. */
export interface BlockEquivocation {
  slot: number
  /** The author's account id. */
  author: Uint8Array
  /** The two sealed headers, SCALE-encoded exactly as hashed (the earlier seen first). */
  first: Uint8Array
  second: Uint8Array
}

/** What {@link Chain.importBlock} did. */
export interface ImportResult {
  status: 'imported' | 'known'
  block: BlockRecord
  /** The block is now the best block. */
  best: boolean
}

/** The best chain switched: blocks leaving it (highest first) and joining it (lowest first). */
export interface Reorg {
  retracted: BlockRecord[]
  enacted: BlockRecord[]
}

export interface ChainEvents {
  /** A new best block (for a reorg: each enacted block in order, after `reorg`). */
  block: [ImportedBlock]
  finalized: [BlockRecord]
  reorg: [Reorg]
  /** An author sealed two different blocks for one slot (seen at import or production). */
  equivocation: [BlockEquivocation]
}

/** Emits one of the {@link ChainEvents} (the chain's own `emit`, handed to its parts). */
export type EmitChainEvent = <K extends keyof ChainEvents>(event: K, ...args: ChainEvents[K]) => void

/** Block trie nodes to write with a block: (hash, encoded node) pairs. */
export type TrieNodes = ReadonlyArray<readonly [Uint8Array, Uint8Array]>
