import { createHash } from 'node:crypto'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { storageProof } from '@crust-ts/protocol'
import type { AbortOptions, Enclave, SealedRecord } from '../enclave/interface.js'
import { MerkleAccumulator } from '../merkle/index.js'
import { type BlockFiles, Bucket, type BytesDb, type SealedStore } from '../store/index.js'
import {
  blockKey,
  blockRange,
  decodeBlockRef,
  decodeFileRecord,
  decodeSealedBlock,
  encodeBlockRef,
  encodeFileRecord,
  fileKey,
  sealedBlockPrefix,
} from './codec.js'
import { PROOF_KEEP_HEIGHT } from './constants.js'
import { SealError, SealErrorCode } from './errors.js'
import type { BlockSource, FileRecord, SealOptions, UnsealedBlock } from './interface.js'
import { defaultSealerOptions, type SealerInit } from './options.js'
import { contentOffsetKey, encodeBlockNumber, encodeContentTree } from './proof-codec.js'

const RAW_CODE = 0x55
const SHA256_CODE = 0x12
const IDENTITY_CODE = 0x00

/** Collaborators of the {@link Sealer}. */
export interface SealerComponents {
  store: SealedStore
  enclave: Enclave
  logger: ComponentLogger
}

/** Throws `SWORKER_ERROR_SEAL_UNSUPPORTED_BLOCK` for multihashes other than sha256/identity. */
function checkHash(cid: CID): void {
  const { code } = cid.multihash
  if (code !== SHA256_CODE && code !== IDENTITY_CODE)
    throw new SealError(SealErrorCode.UNSUPPORTED_BLOCK, 'unsupported multihash', { cid: cid.toString(), hash: code })
}

/** Checks that `bytes` hash to `cid`; throws `SWORKER_ERROR_SEAL_UNSUPPORTED_BLOCK` for hashes other than sha256/identity. */
export function blockMatchesCid(cid: CID, bytes: Uint8Array): boolean {
  checkHash(cid)
  const { code, digest } = cid.multihash
  if (code === SHA256_CODE) return createHash('sha256').update(bytes).digest().equals(digest)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(digest)
}

function mismatch(cid: string, block: CID): SealError {
  return new SealError(SealErrorCode.BLOCK_MISMATCH, 'a block does not match its CID', { cid, block: block.toString() })
}

/** The CIDs a block links to, in order (dag-pb links; raw blocks have none). */
function linksOf(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW_CODE) return []
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map((link) => link.Hash)
  throw new SealError(SealErrorCode.UNSUPPORTED_BLOCK, 'unsupported codec (dag-pb and raw only)', { cid: cid.toString(), codec: cid.code })
}

/**
 * Adds a block to its file's content tree: the bytes that end the pending segment, the subtrees
 * of its whole segments hashed by the enclave, then the tail; all of it when the enclave gave none.
 */
function addContent(content: storageProof.ContentTreeBuilder, bytes: Uint8Array, start: number, subtrees: storageProof.ContentSubtrees | undefined): void {
  if (subtrees === undefined) {
    content.update(bytes)
    return
  }
  let segments = 0
  for (const height of subtrees.heights) segments += 2 ** height
  content
    .update(bytes.subarray(0, start))
    .pushSubtrees(subtrees)
    .update(bytes.subarray(start + segments * storageProof.SEGMENT_SIZE))
}

function checkAbort(signal: AbortSignal | undefined, cid: string): void {
  if (signal?.aborted === true) throw new SealError(SealErrorCode.ABORTED, 'sealing aborted', { cid }, { cause: signal.reason })
}

/**
 * Seals files into the sealed store: walks a file's DAG depth-first from a {@link BlockSource},
 * verifies each block against its CID, encrypts it in the enclave and writes it, building a Merkle
 * tree over the sealed blocks as it goes. Only a bounded number of sealed bytes is in flight, so
 * memory stays flat whatever the file's size. A file record is `pending` until all its blocks
 * are committed, then `valid`; `pending` records left by a crash are removed on open.
 */
export class Sealer {
  private readonly store: SealedStore
  private readonly enclave: Enclave
  private readonly log: Logger
  /** Block index: where each sealed block lies in its file's data file. */
  private readonly index: BytesDb
  private readonly blockFiles: BlockFiles
  private readonly files: BytesDb
  /** What storage proofs need: each file's content tree and where its blocks start in its content. */
  private readonly trees: BytesDb
  private readonly offsets: BytesDb
  private readonly maxInflightBytes: number
  private readonly maxSealingBytes: number
  private readonly sealing = new Set<string>()

  private constructor(components: SealerComponents, init: SealerInit) {
    this.store = components.store
    this.enclave = components.enclave
    this.log = components.logger.forComponent('sworker:seal')
    this.index = components.store.db(Bucket.blockIndex)
    this.blockFiles = components.store.blockFiles
    this.files = components.store.db(Bucket.files)
    this.trees = components.store.db(Bucket.contentTrees)
    this.offsets = components.store.db(Bucket.contentOffsets)
    this.maxInflightBytes = init.maxInflightBytes ?? defaultSealerOptions.maxInflightBytes
    this.maxSealingBytes = init.maxSealingBytes ?? defaultSealerOptions.maxSealingBytes
  }

  /**
   * A sealer over `components.store`, after removing the `pending` files a crash left behind and
   * data files without a file record (a crash between a removal's commit and its unlink).
   */
  static async open(components: SealerComponents, init: SealerInit = {}): Promise<Sealer> {
    const sealer = new Sealer(components, init)
    for (const record of sealer.list()) {
      if (record.status !== 'pending') continue
      sealer.log.warn({ cid: record.cid }, 'removing a file whose sealing was interrupted')
      await sealer.remove(record.cid)
    }
    for (const cid of sealer.blockFiles.list()) {
      if (sealer.get(cid) !== undefined) continue
      sealer.log.warn({ cid }, 'removing the data file of a file that is not here')
      sealer.blockFiles.remove(cid)
    }
    return sealer
  }

  /** The record of file `cid`, if any. */
  get(cid: string): FileRecord | undefined {
    const value = this.files.getBinary(fileKey(cid))
    return value === undefined ? undefined : decodeFileRecord(value)
  }

  /** Every file record. */
  list(): FileRecord[] {
    const out: FileRecord[] = []
    for (const { value } of this.files.getRange({})) out.push(decodeFileRecord(value))
    return out
  }

  /**
   * Seals file `cid` reading its blocks from `source`; resolves with its `valid` record. A file
   * already valid is not sealed again; a `lost` one is removed and sealed afresh. Throws
   * `SWORKER_ERROR_SEAL_BLOCK_MISMATCH` (a block does not hash to its CID),
   * `SWORKER_ERROR_SEAL_UNSUPPORTED_BLOCK`, `SWORKER_ERROR_SEAL_SOURCE_FAILED`,
   * `SWORKER_ERROR_SEAL_IN_PROGRESS`, `SWORKER_ERROR_SEAL_ABORTED`; on failure nothing of the
   * file stays in the store.
   */
  async seal(root: CID | string, source: BlockSource, options: SealOptions = {}): Promise<FileRecord> {
    const rootCid = typeof root === 'string' ? CID.parse(root) : root
    const cid = rootCid.toString()
    if (this.sealing.has(cid)) throw new SealError(SealErrorCode.IN_PROGRESS, 'the file is being sealed already', { cid })
    this.sealing.add(cid)
    try {
      const existing = this.get(cid)
      if (existing?.status === 'valid') return existing
      if (existing !== undefined) await this.remove(cid)
      const pending: FileRecord = {
        cid,
        size: 0,
        sealedSize: 0,
        root: '',
        blockCount: 0,
        status: 'pending',
        cBlockNum: options.cBlockNum ?? 0,
      }
      await this.files.put(fileKey(cid), encodeFileRecord(pending))
      try {
        const { record, tree } = await this.sealBlocks(rootCid, source, pending, options)
        // The tree and the valid record commit together: a file is valid only with its proof data.
        await this.store.transaction(() => {
          this.trees.put(fileKey(cid), encodeContentTree(tree))
          this.files.put(fileKey(cid), encodeFileRecord(record))
        })
        this.log.info({ cid, size: record.size, blocks: record.blockCount }, 'file sealed')
        return record
      } catch (err) {
        await this.remove(cid)
        throw err
      }
    } finally {
      this.sealing.delete(cid)
    }
  }

  /**
   * The pipeline: blocks are fetched (the next one while the current is handed over) and given to
   * the enclave, which verifies, encrypts and hashes them (on its threads); their records are
   * appended to the file's data file in DAG order as they come back, each located in the block
   * index, with a bounded number of bytes in the enclave and in unfinished writes. A block's links
   * are followed only once the block is verified: blocks with links (small inner nodes) are
   * verified here first, leaves by the enclave before sealing. The data file is synced before the
   * caller marks the file valid. Alongside, the file's content (its blocks in DAG order, as the
   * protocol's `storageProof` defines it for a DAG) is hashed into its content tree (each block's
   * whole segments by the enclave on the thread that seals it; here only the few bytes across block
   * edges and the joins above 64 segments), and each block's content offset is indexed, so a segment
   * can later be proven by unsealing its chunk.
   */
  private async sealBlocks(
    rootCid: CID,
    source: BlockSource,
    pending: FileRecord,
    options: AbortOptions,
  ): Promise<{ record: FileRecord; tree: storageProof.ContentTree }> {
    const cid = pending.cid
    const merkle = new MerkleAccumulator()
    const content = new storageProof.ContentTreeBuilder(PROOF_KEEP_HEIGHT)
    let contentOffset = 0
    const stack: CID[] = [rootCid]
    // Each block's bytes stay referenced until stored: the content tree takes its edge bytes (or, from an enclave that
    // did not hash its segments, all of it) in DAG order then.
    const sealing: Array<{ block: CID; bytes: Uint8Array; start: number; sealed: Promise<SealedRecord | undefined> }> = []
    let sealingBytes = 0
    const writes: Array<{ done: Promise<unknown>; size: number; release: (() => void) | undefined }> = []
    let inflightBytes = 0
    let size = 0
    let sealedSize = 0
    let index = 0
    const file = await this.blockFiles.create(cid)
    const storeNext = async (): Promise<void> => {
      const head = sealing.shift()!
      sealingBytes -= head.bytes.length
      const sealed = await head.sealed
      if (sealed === undefined) throw mismatch(cid, head.block)
      merkle.push(sealed.leaf)
      addContent(content, head.bytes, head.start, sealed.contentSubtrees)
      const { record } = sealed
      const offset = sealedSize
      sealedSize += record.length
      const written = file.write(record, 0, record.length, offset)
      const offsetIndexed = this.offsets.put(contentOffsetKey(cid, contentOffset), encodeBlockNumber(index))
      contentOffset += head.bytes.length
      const indexed = this.index.put(blockKey(cid, index++), encodeBlockRef(offset, record.length))
      const done = Promise.all([written, indexed, offsetIndexed])
      // Awaited in order below; a failure before then must not count as unhandled.
      done.catch(() => {})
      writes.push({ done, size: record.length, release: sealed.release })
      inflightBytes += record.length
      while (inflightBytes >= this.maxInflightBytes) {
        const oldest = writes.shift()!
        await oldest.done
        // Written: the record's memory can be reused.
        oldest.release?.()
        inflightBytes -= oldest.size
      }
    }
    let next: Promise<Uint8Array> | undefined
    const fetch = (c: CID) =>
      source.get(c, options).catch((err: unknown) => {
        throw new SealError(SealErrorCode.SOURCE_FAILED, 'cannot get a block from the source', { cid, block: c.toString() }, { cause: err })
      })
    try {
      while (stack.length > 0) {
        checkAbort(options.signal, cid)
        const blockCid = stack.pop()!
        checkHash(blockCid)
        const bytes = await (next ?? fetch(blockCid))
        next = undefined
        let links: CID[]
        try {
          links = linksOf(blockCid, bytes)
        } catch (err) {
          if (!blockMatchesCid(blockCid, bytes)) throw mismatch(cid, blockCid)
          throw err
        }
        if (links.length > 0 && !blockMatchesCid(blockCid, bytes)) throw mismatch(cid, blockCid)
        for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!)
        if (stack.length > 0) {
          next = fetch(stack[stack.length - 1]!)
          next.catch(() => {})
        }
        // The block's whole segments are hashed into the content tree where it is sealed (a seal thread), not here.
        const start = Math.min(bytes.length, (storageProof.SEGMENT_SIZE - (size % storageProof.SEGMENT_SIZE)) % storageProof.SEGMENT_SIZE)
        const hashing = { start, firstSegment: Math.ceil((size + start) / storageProof.SEGMENT_SIZE), maxHeight: PROOF_KEEP_HEIGHT }
        const sealed = this.enclave.sealFileBlock(blockCid, bytes, sealedBlockPrefix(blockCid.bytes), hashing)
        sealed.catch(() => {})
        sealing.push({ block: blockCid, bytes, start, sealed })
        sealingBytes += bytes.length
        size += bytes.length
        while (sealingBytes >= this.maxSealingBytes) await storeNext()
      }
      while (sealing.length > 0) await storeNext()
      await Promise.all(writes.map((w) => w.done))
      await file.datasync()
    } finally {
      // Whatever happened, no write of this file is left running (the caller removes a failed file's blocks).
      await Promise.allSettled(writes.map((w) => w.done))
      await file.close()
    }
    const tree = content.finish()
    const record: FileRecord = {
      ...pending,
      size,
      sealedSize,
      root: Buffer.from(merkle.root()).toString('hex'),
      blockCount: index,
      status: 'valid',
      contentRoot: Buffer.from(tree.root).toString('hex'),
    }
    return { record, tree }
  }

  /**
   * The original blocks of valid file `cid`, in DAG order (depth-first), each decrypted and checked
   * against its CID. Throws `SWORKER_ERROR_SEAL_NOT_FOUND` if the file is not valid here and
   * `SWORKER_ERROR_SEALED_BLOCK_BAD` if a sealed block is missing or damaged.
   */
  async *unseal(cid: string, options: AbortOptions = {}): AsyncGenerator<UnsealedBlock> {
    const record = this.get(cid)
    if (record?.status !== 'valid') throw new SealError(SealErrorCode.NOT_FOUND, 'the file is not sealed here', { cid })
    let index = 0
    for (const { value } of this.index.getRange(blockRange(cid))) {
      checkAbort(options.signal, cid)
      const block = this.openBlock(cid, index, value)
      if (block === undefined) throw new SealError(SealErrorCode.SEALED_BLOCK_BAD, 'a sealed block is damaged', { cid, index })
      index++
      yield block
    }
    if (index !== record.blockCount)
      throw new SealError(SealErrorCode.SEALED_BLOCK_BAD, 'sealed blocks are missing', { cid, found: index, expected: record.blockCount })
  }

  /** Block `index` of file `cid` unsealed and verified, or undefined if it is missing or damaged. */
  verifyBlock(cid: string, index: number): UnsealedBlock | undefined {
    const ref = this.index.getBinary(blockKey(cid, index))
    return ref === undefined ? undefined : this.openBlock(cid, index, ref)
  }

  /** Reads the record that block index value `ref` points to, decrypts it and checks it against its CID. */
  private openBlock(cid: string, index: number, ref: Uint8Array): UnsealedBlock | undefined {
    const at = decodeBlockRef(ref)
    const value = at === undefined ? undefined : this.blockFiles.read(cid, at.offset, at.length)
    const parts = value === undefined ? undefined : decodeSealedBlock(value)
    if (parts === undefined) return undefined
    try {
      const blockCid = CID.decode(parts.cid)
      const bytes = this.enclave.unsealBlock(parts.cid, parts.sealed)
      return blockMatchesCid(blockCid, bytes) ? { cid: blockCid, bytes } : undefined
    } catch (err) {
      this.log.debug({ cid, index, err }, 'sealed block does not open')
      return undefined
    }
  }

  /**
   * Builds the proof data (content tree, content offsets, `contentRoot`) of valid file `cid` sealed
   * before it was kept, unsealing it whole once; committed in one transaction. Throws
   * `SWORKER_ERROR_SEAL_NOT_FOUND` and `SWORKER_ERROR_SEALED_BLOCK_BAD` as {@link unseal} does.
   */
  async indexContent(cid: string, options: AbortOptions = {}): Promise<FileRecord> {
    const record = this.get(cid)
    if (record?.status !== 'valid') throw new SealError(SealErrorCode.NOT_FOUND, 'the file is not sealed here', { cid })
    const content = new storageProof.ContentTreeBuilder(PROOF_KEEP_HEIGHT)
    const offsets: Array<[Uint8Array, Uint8Array]> = []
    let offset = 0
    for await (const block of this.unseal(cid, options)) {
      offsets.push([contentOffsetKey(cid, offset), encodeBlockNumber(offsets.length)])
      content.update(block.bytes)
      offset += block.bytes.length
    }
    const tree = content.finish()
    const indexed: FileRecord = { ...record, contentRoot: Buffer.from(tree.root).toString('hex') }
    await this.store.transaction(() => {
      // Deleted (or lost) meanwhile: leave nothing behind.
      if (this.get(cid)?.status !== 'valid') return
      for (const [key, value] of offsets) this.offsets.put(key, value)
      this.trees.put(fileKey(cid), encodeContentTree(tree))
      this.files.put(fileKey(cid), encodeFileRecord(indexed))
    })
    this.log.info({ cid, size: tree.size }, 'proof data built for a file sealed without it')
    return indexed
  }

  /** Marks file `cid` lost (a check found it damaged); no-op for unknown files. */
  async markLost(cid: string): Promise<void> {
    const record = this.get(cid)
    if (record === undefined || record.status === 'lost') return
    await this.files.put(fileKey(cid), encodeFileRecord({ ...record, status: 'lost' }))
    this.log.warn({ cid }, 'sealed file lost')
  }

  /** Deletes file `cid` and its sealed blocks; false if it was not here. */
  async delete(cid: string): Promise<boolean> {
    if (this.sealing.has(cid)) throw new SealError(SealErrorCode.IN_PROGRESS, 'the file is being sealed', { cid })
    if (this.get(cid) === undefined) return false
    await this.remove(cid)
    return true
  }

  /** Removes file `cid`'s record, block index and proof data in one transaction, then its data file. */
  private async remove(cid: string): Promise<void> {
    const keys = [...this.index.getKeys(blockRange(cid))]
    const offsetKeys = [...this.offsets.getKeys(blockRange(cid))]
    await this.store.transaction(() => {
      for (const key of keys) this.index.remove(key)
      for (const key of offsetKeys) this.offsets.remove(key)
      this.trees.remove(fileKey(cid))
      this.files.remove(fileKey(cid))
    })
    this.blockFiles.remove(cid)
  }
}
