import type { storageProof, sworkWire } from '@crust-ts/protocol'
import type { CID } from 'multiformats/cid'

/** A block sealed for the sealed store: `prefix ‖ sealed block` and its sha256 (the Merkle leaf). */
export interface SealedRecord {
  record: Uint8Array
  leaf: Uint8Array
  /** The block's whole segments as content-tree subtrees, when asked for (`ContentHashing`). */
  contentSubtrees?: storageProof.ContentSubtrees
  /** If present, lets the enclave reuse the record's memory: call it once the record is stored and no longer read. */
  release?(): void
}

/** Where a block lies in its file's content: its first whole segment starts at byte `start` and is segment `firstSegment`; subtrees up to `maxHeight`. */
export interface ContentHashing {
  start: number
  firstSegment: number
  maxHeight: number
}

/** Cancellation for long calls. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** The arguments of `swork.register`, in the chain's order and format. */
export interface RegisterArgs {
  ias_sig: Uint8Array
  ias_cert: Uint8Array
  /** The account the enclave binds itself to (32 bytes). */
  applier: Uint8Array
  isv_body: Uint8Array
  sig: Uint8Array
}

/**
 * The trust boundary of the sWorker. Secrets (identity key, sealing key, SRD key) never leave the
 * implementation; callers get public keys, sealed bytes and signatures.
 */
export interface Enclave {
  /** Identity public key in Crust's 64-byte little-endian form (`curr_pk`, the anchor). */
  readonly publicKey: Uint8Array
  /** The enclave code (MRENCLAVE stand-in) the attestation claims. */
  readonly code: Uint8Array
  /** Attestation evidence binding this enclave to `applier`: the `register` arguments. */
  attest(applier: Uint8Array, options?: AbortOptions): Promise<RegisterArgs>
  /** Encrypts one block under the sealing key, bound to its CID bytes (AAD). */
  sealBlock(cid: Uint8Array, block: Uint8Array): Uint8Array
  /**
   * Seals one block of a file for the sealed store: checks that `block` hashes to `cid` (sha256 or
   * identity multihash), seals it as {@link Enclave.sealBlock} does and returns the record
   * `prefix ‖ sealed block` with its sha256 (the Merkle leaf), or undefined if the block does not
   * match its CID. With `content`, also hashes the block's whole segments from `content.start`
   * into subtrees of the file's content tree (`contentSubtrees`), on the thread that seals it, so the
   * caller's thread does not. May run on other threads; calls may complete out of order. Throws
   * `SWORKER_ERROR_ENCLAVE_INVALID_ARGUMENT` for other multihashes.
   */
  sealFileBlock(cid: CID, block: Uint8Array, prefix: Uint8Array, content?: ContentHashing): Promise<SealedRecord | undefined>
  /** Decrypts a sealed block; throws `SWORKER_ERROR_UNSEAL_FAILED` if it was altered or belongs to another CID. */
  unsealBlock(cid: Uint8Array, sealed: Uint8Array): Uint8Array
  /** `length` bytes of SRD unit `unitId`'s pseudo-random content from byte `offset` (a multiple of 16). */
  srdData(unitId: Uint8Array, offset: number, length: number): Uint8Array
  /** Signs a work report (payload `sworkWire.workReportPayload`); the signature is in Crust's form. */
  signWorkReport(fields: sworkWire.WorkReportPayloadFields): Uint8Array
  /** Releases what the enclave runs (seal threads); it must not be used afterwards. */
  close(): Promise<void>
}

/**
 * Vouches for an enclave's report body, standing in for Intel's attestation service. Pluggable: a
 * DCAP or other TEE backend can replace it.
 */
export interface AttestationAuthority {
  /** The authority's uncompressed P-256 public key (65 bytes): `ias_cert`, as the chain spec names it. */
  readonly publicKey: Uint8Array
  /** The authority's signature (IEEE-P1363 r ‖ s) over `isvBody`: `ias_sig`. */
  vouch(isvBody: Uint8Array, options?: AbortOptions): Promise<Uint8Array>
}
