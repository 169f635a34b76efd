import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../enclave/interface.js'

/** Where the sealer reads a file's blocks from. */
export interface BlockSource {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>
}

/** Life of a sealed file: `pending` while sealing, `valid` once every block is committed, `lost` when a check found damage. */
export type FileStatus = 'pending' | 'valid' | 'lost'

/** What the sealer records about a file. */
export interface FileRecord {
  /** The root CID as a string (its bytes are the `cid` of a work report entry). */
  cid: string
  /** The DAG's cumulative size (sum of its blocks, as `files/stat` reports it). */
  size: number
  /** Bytes of the sealed blocks. */
  sealedSize: number
  /** Merkle root (sha256, hex) over the sealed blocks in DAG order. */
  root: string
  blockCount: number
  status: FileStatus
  /** Chain block number at which the file was sealed (`c_block_num`). */
  cBlockNum: number
  /**
   * The file's content root for storage proofs (`storageProof`, hex, 32 bytes) over `size` bytes;
   * absent for files sealed before proofs were kept.
   */
  contentRoot?: string
}

/** Per-call options of `seal`. */
export interface SealOptions extends AbortOptions {
  /** Chain block number to record as the file's `c_block_num` (default 0). */
  cBlockNum?: number
}

/** One block given back by `unseal`. */
export interface UnsealedBlock {
  cid: CID
  bytes: Uint8Array
}
