/**
 * Reads UnixFS metadata exactly as boxo does (ipfs-unixfs applies default modes, which hides
 * whether a mode was stored): the type, the `filesize` field, and the optional mode and mtime.
 */
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { KuboApiError } from './errors.js'

export const UNIXFS_RAW = 0
export const UNIXFS_DIRECTORY = 1
export const UNIXFS_FILE = 2
export const UNIXFS_METADATA = 3
export const UNIXFS_SYMLINK = 4
export const UNIXFS_HAMT = 5

export interface UnixfsMeta {
  type: number
  /** The `filesize` field (0 when absent, as Go's getter). */
  fileSize: bigint
  /** Payload (symlink target, file data, HAMT bitfield). */
  data: Uint8Array | undefined
  /** The stored permission bits (0 when absent). */
  mode: number
  mtime: { secs: bigint; nsecs: number } | undefined
  fanout: bigint | undefined
}

class Reader {
  pos = 0
  constructor(readonly buf: Uint8Array) {}

  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (this.pos >= this.buf.length) throw KuboApiError.command('unixfs: truncated varint')
      const b = this.buf[this.pos++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 63n) throw KuboApiError.command('unixfs: varint overflow')
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint())
    if (this.pos + len > this.buf.length) throw KuboApiError.command('unixfs: truncated field')
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  skip(wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.pos += 8
    else if (wire === 2) this.bytes()
    else if (wire === 5) this.pos += 4
    else throw KuboApiError.command(`unixfs: unsupported wire type ${wire}`)
  }
}

function toInt64(v: bigint): bigint {
  return v >= 1n << 63n ? v - (1n << 64n) : v
}

/** Parses the `Data` field of a dag-pb node as UnixFS. Throws when it is not UnixFS. */
export function parseUnixfs(data: Uint8Array): UnixfsMeta {
  const r = new Reader(data)
  const meta: UnixfsMeta = { type: -1, fileSize: 0n, data: undefined, mode: 0, mtime: undefined, fanout: undefined }
  while (r.pos < data.length) {
    const key = Number(r.varint())
    const field = key >>> 3
    const wire = key & 7
    if (field === 1 && wire === 0) meta.type = Number(r.varint())
    else if (field === 2 && wire === 2) meta.data = r.bytes()
    else if (field === 3 && wire === 0) meta.fileSize = r.varint()
    else if (field === 6 && wire === 0) meta.fanout = r.varint()
    else if (field === 7 && wire === 0) meta.mode = Number(r.varint() & 0xffffffffn)
    else if (field === 8 && wire === 2) {
      const m = new Reader(r.bytes())
      let secs = 0n
      let nsecs = 0
      while (m.pos < m.buf.length) {
        const k = Number(m.varint())
        if (k >>> 3 === 1 && (k & 7) === 0) secs = toInt64(m.varint())
        else if (k >>> 3 === 2 && (k & 7) === 5) {
          nsecs = new DataView(m.buf.buffer, m.buf.byteOffset + m.pos, 4).getUint32(0, true)
          m.pos += 4
        } else m.skip(k & 7)
      }
      meta.mtime = { secs, nsecs }
    } else r.skip(wire)
  }
  if (meta.type < 0 || meta.type > UNIXFS_HAMT) throw KuboApiError.command('unixfs: missing or unknown type')
  return meta
}

const MODE_DIR = 0x80000000
const MODE_SYMLINK = 0x8000000
const MODE_SETUID = 0x800000
const MODE_SETGID = 0x400000
const MODE_STICKY = 0x100000

/** boxo `FSNode.Mode()`: Go `os.FileMode` of the stored permissions (0 when none are stored). */
export function goFileMode(meta: UnixfsMeta): number {
  const perms = meta.mode & 0xfff
  if (perms === 0) return 0
  let m = perms & 0o777
  if (perms & 0o4000) m |= MODE_SETUID
  if (perms & 0o2000) m |= MODE_SETGID
  if (perms & 0o1000) m |= MODE_STICKY
  if (meta.type === UNIXFS_DIRECTORY || meta.type === UNIXFS_HAMT) m |= MODE_DIR
  if (meta.type === UNIXFS_SYMLINK) m |= MODE_SYMLINK
  return m >>> 0
}

/** Go's `time.Time` JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed); the zero time when absent. */
export function goTime(mtime: { secs: bigint; nsecs: number } | undefined): string {
  if (mtime === undefined || mtime.nsecs > 999999999) return '0001-01-01T00:00:00Z'
  const date = new Date(Number(mtime.secs) * 1000)
  const base = date.toISOString().replace(/\.\d{3}Z$/, '')
  const frac = mtime.nsecs > 0 ? `.${String(mtime.nsecs).padStart(9, '0').replace(/0+$/, '')}` : ''
  return `${base}${frac}Z`
}

/** A decoded UnixFS-relevant view of a block: dag-pb node with its UnixFS metadata, or a raw leaf. */
export type UnixfsNode =
  | { kind: 'raw'; cid: CID; bytes: Uint8Array }
  | { kind: 'pb'; cid: CID; bytes: Uint8Array; node: dagPb.PBNode; meta: UnixfsMeta | undefined }

/** Decodes a block for the UnixFS commands (`undefined` for codecs that are neither dag-pb nor raw). */
export function decodeUnixfsNode(cid: CID, bytes: Uint8Array): UnixfsNode | undefined {
  if (cid.code === raw.code) return { kind: 'raw', cid, bytes }
  if (cid.code !== dagPb.code) return undefined
  const node = dagPb.decode(bytes)
  let meta: UnixfsMeta | undefined
  try {
    meta = node.Data === undefined ? undefined : parseUnixfs(node.Data)
  } catch {
    meta = undefined
  }
  return { kind: 'pb', cid, bytes, node, meta }
}

/** `ipld.Node.Size()`: block length plus the sizes its links announce. */
export function cumulativeSize(n: UnixfsNode): bigint {
  if (n.kind === 'raw') return BigInt(n.bytes.length)
  let size = BigInt(n.bytes.length)
  for (const link of n.node.Links) size += BigInt(link.Tsize ?? 0)
  return size
}
