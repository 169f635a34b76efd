/**
 * Storage proofs: the Merkle commitment to a file's content that the uploader computes while
 * adding, the chain records per CID and verifies challenge answers against, and a storage node
 * proves segments of from its (unsealed) data. See tree.ts for the construction.
 */
export { HASH_LENGTH, MAX_PATH_LENGTH, SEGMENT_SIZE } from './constants.js'
export {
  type ContentCommitment,
  type ContentSubtrees,
  type ContentTree,
  ContentTreeBuilder,
  chunkRange,
  contentCommitment,
  contentTree,
  hashSubtrees,
  hashLeaf,
  hashNode,
  maxProofBytes,
  pathLength,
  proveSegment,
  rootOf,
  type SegmentProof,
  segmentCount,
  segmentLength,
  verifySegmentProof,
} from './tree.js'
export { digestBytes, digestOf, digestString, NodeHasher, writeDigests } from './digest.js'
