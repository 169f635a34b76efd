/**
 * Where each leaf of a single file's DAG sits in its content (the blocks depth-first, as the
 * `storageProof` root covers them), predicted from the file's size alone: Kubo's add settings
 * (fixed 256 KiB chunks, balanced layout of at most 174 links, dag-pb `file` leaves with CIDv0,
 * raw leaves with CIDv1) give every block a size that depends on the file's size and nothing else
 * (CIDs have a fixed length). That lets the leaves be hashed into the content tree while the file
 * streams to the IPFS node, before the inner blocks (which come first) exist. A prediction that
 * turns out wrong (a node with other settings) is caught when the DAG is walked, never trusted.
 */
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { KUBO_CHUNK_SIZE, KUBO_MAX_LINKS, SHA2_256_CODE } from './constants.js'

/** The `ipfs add` settings the layout depends on. */
export interface FileDagSettings {
  cidVersion: 0 | 1
  /** Raw leaves (Kubo: with CIDv1) or dag-pb `file` leaves. */
  rawLeaves: boolean
  chunkSize?: number
  maxLinks?: number
}

/** Where the leaf blocks of a DAG sit in its content (a file's, or a folder's: see folder-layout.ts). */
export interface DagLeafLayout {
  /** Content offset of each leaf block, in content order. */
  leafOffsets: number[]
  /** Byte length of each leaf block, in the same order. */
  leafLengths: number[]
  /** The content's size: every block of the DAG (its cumulative size). */
  contentSize: number
  rawLeaves: boolean
  cidVersion: 0 | 1
}

/** A file's DAG as its content sees it. */
export interface FileDagLayout extends DagLeafLayout {
  /** Content offset of each leaf block, in file order. */
  leafOffsets: number[]
  /** The content's size: every block of the DAG (its cumulative size). */
  contentSize: number
  chunkSize: number
  rawLeaves: boolean
  cidVersion: 0 | 1
}

/** Protobuf tags of a UnixFS file leaf (as the IPFS node's leaf encoder writes them). */
const PB_NODE_DATA = 0x0a
const UNIXFS_TYPE_FILE = [0x08, 0x02]
const UNIXFS_DATA = 0x12
const UNIXFS_FILESIZE = 0x18
const UNIXFS_BLOCKSIZE = 0x20

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

/**
 * The bytes of a dag-pb `file` leaf around its data: `head ‖ data ‖ tail` is the leaf block
 * (UnixFS Type, Data when not empty, filesize; no links).
 */
export function fileLeafFrame(dataLength: number): { head: Uint8Array; tail: Uint8Array } {
  const dataField = dataLength > 0 ? [UNIXFS_DATA, ...varint(dataLength)] : []
  const tail = [UNIXFS_FILESIZE, ...varint(dataLength)]
  const unixfsLength = UNIXFS_TYPE_FILE.length + dataField.length + dataLength + tail.length
  return { head: Uint8Array.from([PB_NODE_DATA, ...varint(unixfsLength), ...UNIXFS_TYPE_FILE, ...dataField]), tail: Uint8Array.from(tail) }
}

/** The byte length of the leaf block of `dataLength` bytes of file. */
export function leafBlockLength(dataLength: number, rawLeaves: boolean): number {
  if (rawLeaves) return dataLength
  const { head, tail } = fileLeafFrame(dataLength)
  return head.length + dataLength + tail.length
}

interface Node {
  /** File bytes under it. */
  fileSize: number
  /** Its block and everything under it (dag-pb Tsize). */
  cumulative: number
  /** Its own block's length. */
  blockLength: number
  /** Leaf index, for a leaf. */
  leaf?: number
  children?: Node[]
}

/** A zero digest: every CID of one version and codec has the same length, whatever it names. */
const ZERO = createDigest(SHA2_256_CODE, new Uint8Array(32))

/** An inner `file` node over `children`, sized by encoding it with placeholder CIDs. */
function innerNode(children: Node[], settings: FileDagSettings): Node {
  const fileSize = children.reduce((sum, c) => sum + c.fileSize, 0)
  const data = [...UNIXFS_TYPE_FILE, UNIXFS_FILESIZE, ...varint(fileSize)]
  for (const c of children) data.push(UNIXFS_BLOCKSIZE, ...varint(c.fileSize))
  const hashOf = (c: Node) =>
    c.leaf !== undefined && settings.rawLeaves ? CID.createV1(raw.code, ZERO) : settings.cidVersion === 0 ? CID.createV0(ZERO) : CID.createV1(dagPb.code, ZERO)
  const block = dagPb.encode(dagPb.prepare({ Data: Uint8Array.from(data), Links: children.map((c) => ({ Hash: hashOf(c), Name: '', Tsize: c.cumulative })) }))
  const cumulative = block.length + children.reduce((sum, c) => sum + c.cumulative, 0)
  return { fileSize, cumulative, blockLength: block.length, children }
}

/** The layout of the DAG `ipfs add` makes of a file of `size` bytes with these settings. */
export function fileDagLayout(size: number, settings: FileDagSettings): FileDagLayout {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('a file size is a non-negative safe integer')
  const chunkSize = settings.chunkSize ?? KUBO_CHUNK_SIZE
  const maxLinks = settings.maxLinks ?? KUBO_MAX_LINKS
  // The chunker yields one empty chunk for an empty file.
  const count = size === 0 ? 1 : Math.ceil(size / chunkSize)
  let level: Node[] = []
  for (let i = 0; i < count; i++) {
    const fileSize = Math.min(chunkSize, size - i * chunkSize)
    const blockLength = leafBlockLength(fileSize, settings.rawLeaves)
    level.push({ fileSize, cumulative: blockLength, blockLength, leaf: i })
  }
  // Balanced layout: batches of maxLinks become parents until one node is left; a one-chunk file is its leaf.
  while (level.length > 1) {
    const up: Node[] = []
    for (let i = 0; i < level.length; i += maxLinks) up.push(innerNode(level.slice(i, i + maxLinks), settings))
    level = up
  }
  const root = level[0]!
  const leafOffsets: number[] = []
  const leafLengths: number[] = []
  let offset = 0
  const walk = (node: Node) => {
    if (node.leaf !== undefined) {
      leafOffsets.push(offset)
      leafLengths.push(node.blockLength)
    }
    offset += node.blockLength
    for (const c of node.children ?? []) walk(c)
  }
  walk(root)
  return { leafOffsets, leafLengths, contentSize: root.cumulative, chunkSize, rawLeaves: settings.rawLeaves, cidVersion: settings.cidVersion }
}
