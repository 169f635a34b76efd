/** The Challenges pallet's fixed numbers (the per-chain ones, k and W, are in the chain spec: RuntimeConfig). */

/** Identities the issuing sweep visits per block (10,000 storage nodes take 100 blocks of a 600-block slot). */
export const ISSUE_NODES_PER_BLOCK = 100
/** Expired challenge sets handled per block, and deadline blocks the expiry sweep may step over. */
export const EXPIRE_SETS_PER_BLOCK = 100
export const EXPIRE_STEPS_PER_BLOCK = 256
/** The most challenges one node gets per slot; a chain spec's `challengesPerNode` must not exceed it. */
export const MAX_CHALLENGES_PER_NODE = 16
/** Faults kept in an sWorker's history (the most recent). */
export const FAULT_HISTORY = 32
/**
 * Report slots of one era in which an owner's nodes had counted faults that make an offence. Slots,
 * not faults: a node that is offline for one slot misses all k of its challenges at once, which is
 * one incident (and already costs it those replicas).
 */
export const OFFENCE_FAULT_THRESHOLD = 3
/** Files one `declare_lost_files` may name (as many as one work report may delete). */
export const MAX_DECLARED_FILES = 300

/** Per-block ref-time of a database read and write (Substrate's RocksDbWeight), as sWork weighs them. */
export { DB_READ_WEIGHT as DB_READ, DB_WRITE_WEIGHT as DB_WRITE } from '../swork/constants.js'
