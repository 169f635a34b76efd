import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { BufferImporter, ImporterProgressEvents } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { releaseAfterWrite } from '../store/after-write.js'
import { disposeConsumed } from './disposable.js'

/** Options of {@link fastLeafImporter}. */
export interface LeafImporterInit {
  cidVersion: 0 | 1
  rawLeaves: boolean
  onProgress?: (evt: ImporterProgressEvents) => void
  /** Chunks from {@link framedChunker} (room around them for the leaf's frame): encoded in place, not copied. */
  framed?: FramedChunks
}

/** The chunks a {@link framedChunker} made, each with room around it for its leaf's protobuf frame. */
export type FramedChunks = WeakSet<Uint8Array>

/** Room before a framed chunk: a leaf's head is at most 1 + 8 + 2 + 1 + 8 bytes (tags and varints up to 2^53). */
const FRAME_HEAD_ROOM = 20
/** Room after it: the filesize field, 1 + 8 bytes at most. */
const FRAME_TAIL_ROOM = 9
/** Chunks' buffers are cut from slabs of this many chunks: fewer, larger allocations than one ArrayBuffer per chunk. */
const SLAB_CHUNKS = 16

/**
 * For each full chunk cut from a slab, the list its chunker takes chunks' memory back from: the
 * leaf importer hands a chunk back once the block store is done with its block (see
 * {@link releaseAfterWrite}), and the next chunk of the same file is cut into it.
 */
const recycled = new WeakMap<Uint8Array, Uint8Array[]>()

/**
 * A fixed-size chunker (as ipfs-unixfs-importer's `fixedSize`: full chunks, then the rest, one
 * empty chunk for an empty file) that copies the incoming pieces once, straight into buffers with
 * room around each chunk, so {@link fastLeafImporter} can write the leaf's frame around the bytes
 * instead of copying them again. The stock chunker concatenates the socket's 64 KiB pieces into a
 * new 256 KiB array, and the leaf encoder copies that into another: two fresh large allocations
 * and copies per leaf, which profiled as a quarter of an API add's CPU time.
 *
 * The memory of a chunk whose block the block store has committed is cut again for a later chunk
 * of the same file: the copy into fresh memory was mostly the kernel's page faults (the same copy
 * into memory touched before is a tenth of it). Only within one file: after a chunk's block is
 * put, the importer reads no more than its length, except the one leaf of a single-chunk file,
 * whose chunker cuts nothing more.
 */
export function framedChunker(chunkSize: number, framed: FramedChunks): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array> {
  const region = FRAME_HEAD_ROOM + chunkSize + FRAME_TAIL_ROOM
  return async function* chunker(source) {
    let slab: ArrayBuffer | undefined
    let slabUsed = 0
    /** The chunk being filled (its data area) once a whole chunk's bytes are known to come; until then the pieces wait in `pending`. */
    let current: Uint8Array | undefined
    let fill = 0
    let pending: Uint8Array[] = []
    let pendingBytes = 0
    let emitted = false
    /** Chunks of this file whose memory may be written again (see {@link recycled}). */
    const free: Uint8Array[] = []
    const open = (): Uint8Array => {
      const old = free.pop()
      if (old !== undefined) {
        const data = new Uint8Array(old.buffer, old.byteOffset, chunkSize)
        recycled.set(data, free)
        return data
      }
      if (slab === undefined || slabUsed + region > slab.byteLength) {
        // Uninitialised (no zero fill): every byte handed out is written first, the chunk here, its frame by the leaf importer.
        slab = Buffer.allocUnsafeSlow(region * SLAB_CHUNKS).buffer as ArrayBuffer
        slabUsed = 0
      }
      const data = new Uint8Array(slab, slabUsed + FRAME_HEAD_ROOM, chunkSize)
      slabUsed += region
      recycled.set(data, free)
      return data
    }
    const emit = (data: Uint8Array): Uint8Array => {
      framed.add(data)
      emitted = true
      return data
    }
    for await (const piece of source) {
      let at = 0
      let stashed = false
      while (at < piece.length) {
        if (current === undefined) {
          if (pendingBytes + piece.length - at < chunkSize) {
            pending.push(at === 0 ? piece : piece.subarray(at))
            pendingBytes += piece.length - at
            stashed = true
            break
          }
          current = open()
          for (const p of pending) {
            current.set(p, fill)
            fill += p.length
            disposeConsumed(p)
          }
          pending = []
          pendingBytes = 0
        }
        const take = Math.min(chunkSize - fill, piece.length - at)
        current.set(take === piece.length ? piece : piece.subarray(at, at + take), fill)
        fill += take
        at += take
        if (fill === chunkSize) {
          yield emit(current)
          current = undefined
          fill = 0
        }
      }
      // every byte of it copied: an upload's body piece is freed now (see disposable.ts)
      if (!stashed) disposeConsumed(piece)
    }
    // The rest (or an empty file's one empty chunk): in a buffer of its own size, so a small file holds no slab.
    if (pendingBytes > 0 || !emitted) {
      const buffer = Buffer.allocUnsafeSlow(FRAME_HEAD_ROOM + pendingBytes + FRAME_TAIL_ROOM).buffer as ArrayBuffer
      const data = new Uint8Array(buffer, FRAME_HEAD_ROOM, pendingBytes)
      let offset = 0
      for (const p of pending) {
        data.set(p, offset)
        offset += p.length
        disposeConsumed(p)
      }
      yield emit(data)
    }
  }
}

/** The leaf block of a framed chunk: its frame written into the room around it (no copy of the data). */
function encodeFramedLeaf(data: Uint8Array): Uint8Array {
  const n = data.byteLength
  const unixfsLength = 2 + (n > 0 ? 1 + varintLength(n) + n : 0) + 1 + varintLength(n)
  const headLength = 1 + varintLength(unixfsLength) + 2 + (n > 0 ? 1 + varintLength(n) : 0)
  const block = new Uint8Array(data.buffer, data.byteOffset - headLength, headLength + n + 1 + varintLength(n))
  let i = 0
  block[i++] = PB_NODE_DATA
  i = writeVarint(block, i, unixfsLength)
  block[i++] = UNIXFS_TYPE
  block[i++] = UNIXFS_TYPE_FILE
  if (n > 0) {
    block[i++] = UNIXFS_DATA
    i = writeVarint(block, i, n)
  }
  i += n
  block[i++] = UNIXFS_FILESIZE
  writeVarint(block, i, n)
  return block
}

/** Protobuf tags of the fields a UnixFS file leaf has. */
const PB_NODE_DATA = 0x0a // PBNode.Data, bytes (field 1)
const UNIXFS_TYPE = 0x08 // Data.Type, varint (field 1)
const UNIXFS_TYPE_FILE = 0x02
const UNIXFS_DATA = 0x12 // Data.Data, bytes (field 2)
const UNIXFS_FILESIZE = 0x18 // Data.filesize, varint (field 3)

function varintLength(n: number): number {
  let length = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    length++
  }
  return length
}

function writeVarint(out: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    out[offset++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 0x80)
  }
  out[offset++] = n
  return offset
}

/**
 * The dag-pb block of a UnixFS `file` leaf holding `data`: byte for byte what
 * `dagPb.encode({ Data: new UnixFS({ type: 'file', data }).marshal(), Links: [] })` produces
 * (Type, Data when not empty, filesize; no links), built with one allocation and one copy of the
 * data instead of two copies into zero-filled buffers.
 */
export function encodeFileLeaf(data: Uint8Array): Uint8Array {
  const n = data.byteLength
  const unixfsLength = 2 + (n > 0 ? 1 + varintLength(n) + n : 0) + 1 + varintLength(n)
  const out = Buffer.allocUnsafe(1 + varintLength(unixfsLength) + unixfsLength)
  let i = 0
  out[i++] = PB_NODE_DATA
  i = writeVarint(out, i, unixfsLength)
  out[i++] = UNIXFS_TYPE
  out[i++] = UNIXFS_TYPE_FILE
  if (n > 0) {
    out[i++] = UNIXFS_DATA
    i = writeVarint(out, i, n)
    out.set(data, i)
    i += n
  }
  out[i++] = UNIXFS_FILESIZE
  i = writeVarint(out, i, n)
  return new Uint8Array(out.buffer, out.byteOffset, i)
}

/**
 * The importer's leaf stage (ipfs-unixfs-importer's `bufferImporter` hook) for Kubo-style adds:
 * raw leaves as the default importer makes them; dag-pb `file` leaves encoded by
 * {@link encodeFileLeaf}. Same blocks, CIDs and progress events as the default, with half the
 * copying and garbage per leaf, which is a large part of an add's CPU time.
 */
export function fastLeafImporter(init: LeafImporterInit): BufferImporter {
  return async function* leafImporter(file, blockstore) {
    let bytesWritten = 0n
    for await (const chunk of file.content) {
      yield async () => {
        const framed = init.framed?.has(chunk) === true
        const block = init.rawLeaves ? chunk : framed ? encodeFramedLeaf(chunk) : encodeFileLeaf(chunk)
        const codec = init.rawLeaves ? raw.code : dagPb.code
        const cid = CID.create(init.rawLeaves ? 1 : init.cidVersion, codec, await sha256.digest(block))
        const free = framed ? recycled.get(chunk) : undefined
        // the chunk's memory goes back to its chunker once the store holds the block; the leaf
        // returned below keeps `chunk` for its length only (the importer's file layout)
        if (free !== undefined) releaseAfterWrite(block, () => free.push(chunk))
        await blockstore.put(cid, block)
        bytesWritten += BigInt(block.byteLength)
        init.onProgress?.({
          type: 'unixfs:importer:progress:file:write',
          detail: { bytesWritten, cid, ...(file.path === undefined ? {} : { path: file.path }) },
        } as ImporterProgressEvents)
        return {
          cid,
          size: BigInt(block.byteLength),
          block,
          ...(init.rawLeaves ? {} : { unixfs: new UnixFS({ type: 'file', data: chunk }) }),
        }
      }
    }
  }
}
