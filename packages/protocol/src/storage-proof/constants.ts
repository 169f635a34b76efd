/**
 * The content commitment's fixed numbers. Changing any of them changes every root: they are part of
 * the chain's consensus rules (a root recorded on chain is checked against proofs built with them).
 */

/**
 * Bytes per segment: the unit a challenge asks for. 1 KiB is the largest power of two whose proof
 * for the largest file the market accepts (8 GiB: 2^23 segments, a 23-hash path) stays within
 * 2 KiB: 1024 + 23 × 32 = 1760 bytes (1664 bytes for 1 GiB). See the package README.
 */
export const SEGMENT_SIZE = 1024

/** Bytes of a SHA-256 digest: every tree node and the root. */
export const HASH_LENGTH = 32

/** Domain tags: a leaf, an inner node and the root are hashed with different first bytes, so none can pass for another. */
export const LEAF_TAG = 0x00
export const NODE_TAG = 0x01
export const ROOT_TAG = 0x02

/** The longest path any proof can have (a tree of 2^53 bytes); longer paths are refused unread. */
export const MAX_PATH_LENGTH = 53
