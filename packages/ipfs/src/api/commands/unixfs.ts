/** `cat`, `get` (tar) and `ls`: reading UnixFS content. */
import { pipeline, Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import * as dagPb from '@ipld/dag-pb'
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import { pack, type TarImportCandidate } from 'it-tar'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { readFileRange } from '../../gateway/file-reader.js'
import { arg, opt } from '../command.js'
import { API_FILE_PREFETCH_BLOCKS } from '../constants.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'
import { parseContentPath, resolveToCid } from '../paths.js'
import {
  decodeUnixfsNode,
  goFileMode,
  goTime,
  UNIXFS_DIRECTORY,
  UNIXFS_FILE,
  UNIXFS_HAMT,
  UNIXFS_METADATA,
  UNIXFS_RAW,
  UNIXFS_SYMLINK,
} from '../unixfs-meta.js'

/** Resolves a path argument and exports its UnixFS entry. */
export async function exportPath(ctx: CommandContext, text: string): Promise<UnixFSEntry> {
  const cid = await resolveToCid(ctx.blocks, parseContentPath(text), ctx.signal)
  return exporter(cid, ctx.blocks, { signal: ctx.signal })
}

function fileSize(entry: UnixFSEntry): bigint {
  if (entry.type === 'file') return entry.unixfs.fileSize()
  if (entry.type === 'raw' || entry.type === 'identity') return entry.size
  return 0n
}

function contentOf(ctx: CommandContext, entry: UnixFSEntry, offset: number, length?: number): AsyncIterable<Uint8Array> {
  if (entry.type === 'file' || entry.type === 'raw') {
    // The gateway's reader: whole blocks with an ordered prefetch (deeper than the gateway's), no
    // copy per block (the exporter concatenates every block it reads into a new buffer).
    const size = Number(fileSize(entry))
    const end = length === undefined ? size : Math.min(size, offset + length)
    return readFileRange(ctx.blocks, entry.cid, size, offset, end, API_FILE_PREFETCH_BLOCKS)
  }
  const options = length === undefined ? { offset, signal: ctx.signal } : { offset, length, signal: ctx.signal }
  if (entry.type === 'identity') return entry.content(options)
  if (entry.type === 'directory') throw KuboApiError.command('this dag node is a directory')
  throw KuboApiError.command('operation not supported')
}

/** `cat`: the bytes of one or more files, from `offset`, at most `length` (Kubo's `cat()`). */
async function cat(ctx: CommandContext): Promise<void> {
  let offset = ctx.options.bigint('offset') ?? 0n
  if (offset < 0n) throw KuboApiError.command('cannot specify negative offset')
  const lengthOption = ctx.options.bigint('length')
  if (lengthOption !== undefined && lengthOption < 0n) throw KuboApiError.command('cannot specify negative length')
  const max = lengthOption ?? -1n
  const parts: Array<{ entry: UnixFSEntry; offset: bigint; length: bigint | undefined }> = []
  let total = 0n
  if (max !== 0n) {
    for (const text of ctx.args) {
      const entry = await exportPath(ctx, text)
      if (entry.type === 'directory') throw KuboApiError.command('this dag node is a directory')
      if (entry.type === 'object') throw KuboApiError.command('operation not supported')
      const size = fileSize(entry)
      if (offset > size) {
        offset -= size
        continue
      }
      const start = offset
      offset = 0n
      const available = size - start
      total += available
      if (max > 0n && total >= max) {
        parts.push({ entry, offset: start, length: available - (total - max) })
        total = max
        break
      }
      parts.push({ entry, offset: start, length: undefined })
    }
  }
  ctx.out.setLength(total)
  await ctx.out.emitStream(
    (async function* () {
      for (const part of parts) {
        yield* contentOf(ctx, part.entry, Number(part.offset), part.length === undefined ? undefined : Number(part.length))
      }
    })(),
  )
}

/** Unix permissions of an entry (boxo's `UnixPermsOrDefault`: ipfs-unixfs applies the same defaults). */
function permsOf(entry: UnixFSEntry): number {
  if (entry.type === 'file' || entry.type === 'directory') return entry.unixfs.mode ?? (entry.type === 'directory' ? 0o755 : 0o644)
  return 0o644
}

/** Tar entries of a UnixFS tree, as boxo's `TarWriter` writes them (directory first, then its links in order). */
async function* tarEntries(ctx: CommandContext, entry: UnixFSEntry, name: string): AsyncGenerator<TarImportCandidate> {
  const mtime = new Date()
  if (entry.type === 'directory') {
    yield { header: { name, type: 'directory', mode: permsOf(entry), mtime, size: 0 } }
    for await (const child of entry.entries({ signal: ctx.signal })) {
      const childEntry = await exporter(child.cid, ctx.blocks, { signal: ctx.signal })
      yield* tarEntries(ctx, childEntry, `${name}/${child.name}`)
    }
    return
  }
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    const target = new TextDecoder().decode(entry.unixfs.data ?? new Uint8Array())
    yield { header: { name, type: 'symlink', linkname: target, mode: 0o777, mtime, size: 0 } }
    return
  }
  if (entry.type === 'object') throw KuboApiError.command(`file type ${entry.cid} is not supported`)
  yield {
    header: { name, type: 'file', mode: permsOf(entry), mtime, size: Number(fileSize(entry)) },
    body: entry.content({ signal: ctx.signal }),
  }
}

/** `get`: a tar of the file or directory (gzip-compressed with `compress`), as Kubo's `fileArchive`. */
async function get(ctx: CommandContext): Promise<void> {
  const text = ctx.args[0]!
  const archive = ctx.options.bool('archive') ?? false
  const compress = ctx.options.bool('compress') ?? false
  const levelOption = ctx.options.number('compression-level')
  let level = 0
  if (compress) {
    level = levelOption ?? 6
    if (level < 1 || level > 9) throw KuboApiError.command('compression level must be between 1 and 9')
  }
  const entry = await exportPath(ctx, text)
  ctx.out.setLength(entry.type === 'directory' ? BigInt(dagPb.encode(entry.node).byteLength) + linkSizes(entry) : fileSize(entry))
  const trimmed = text.replace(/\/+$/, '')
  const name = trimmed.slice(trimmed.lastIndexOf('/') + 1)
  const tar = (): AsyncIterable<Uint8Array> =>
    (pack() as unknown as (s: AsyncIterable<TarImportCandidate>) => AsyncIterable<Uint8Array>)(tarEntries(ctx, entry, name))
  let body: AsyncIterable<Uint8Array>
  if (!archive && compress) {
    if (entry.type === 'directory') throw KuboApiError.command('file is not regular')
    body = contentOf(ctx, entry, 0)
  } else {
    body = tar()
  }
  if (!compress) {
    await ctx.out.emitStream(body, { contentType: 'application/x-tar' })
    return
  }
  const gzip = createGzip({ level })
  pipeline(Readable.from(body), gzip, () => {})
  await ctx.out.emitStream(gzip, { contentType: 'application/gzip' })
}

function linkSizes(entry: UnixFSEntry): bigint {
  if (entry.type !== 'directory') return 0n
  let size = 0n
  for (const link of entry.node.Links) size += BigInt(link.Tsize ?? 0)
  return size
}

/** One `LsLink` (Kubo's field order; zero mode and time when not stored). */
interface LsLink {
  Name: string
  Hash: string
  Size: bigint
  Type: number
  Target: string
  Mode: number
  ModTime: string
}

/** Kubo's `processLink`: type and size of a child, resolving dag-pb children when asked to. */
async function lsLink(ctx: CommandContext, name: string, cid: CID, tsize: bigint, resolve: boolean): Promise<LsLink> {
  const link: LsLink = { Name: name, Hash: ctx.encodeCid(cid), Size: 0n, Type: 0, Target: '', Mode: 0, ModTime: goTime(undefined) }
  if (cid.code === raw.code) {
    link.Type = UNIXFS_FILE
    link.Size = tsize
    return link
  }
  if (!resolve) return link
  const node = decodeUnixfsNode(cid, await ctx.blocks.bytes(cid))
  if (node?.kind === 'pb') {
    if (node.meta === undefined) throw KuboApiError.command('failed to decode Protocol Buffers: not a UnixFS node')
    const t = node.meta.type
    if (t === UNIXFS_FILE || t === UNIXFS_RAW) link.Type = UNIXFS_FILE
    else if (t === UNIXFS_DIRECTORY || t === UNIXFS_HAMT || t === UNIXFS_METADATA) link.Type = UNIXFS_DIRECTORY
    else if (t === UNIXFS_SYMLINK) {
      link.Type = UNIXFS_SYMLINK
      link.Target = new TextDecoder().decode(node.meta.data ?? new Uint8Array())
    }
    link.Size = node.meta.fileSize
    link.Mode = goFileMode(node.meta)
    link.ModTime = goTime(node.meta.mtime)
  }
  return link
}

/** Children of a path: directory entries (HAMT shards flattened), or the links of a file node. */
async function* lsChildren(ctx: CommandContext, text: string): AsyncGenerator<{ name: string; cid: CID; size: bigint }> {
  const cid = await resolveToCid(ctx.blocks, parseContentPath(text), ctx.signal)
  const node = decodeUnixfsNode(cid, await ctx.blocks.bytes(cid))
  if (node === undefined || node.kind === 'raw') return
  const type = node.meta?.type
  if (type === UNIXFS_DIRECTORY || type === UNIXFS_HAMT) {
    const entry = await exporter(cid, ctx.blocks, { signal: ctx.signal })
    if (entry.type !== 'directory') return
    for await (const child of entry.entries({ signal: ctx.signal })) yield { name: child.name, cid: child.cid, size: child.size }
    return
  }
  for (const link of node.node.Links) yield { name: link.Name ?? '', cid: link.Hash, size: BigInt(link.Tsize ?? 0) }
}

/** `ls`: Kubo's `{"Objects":[{"Hash":path,"Links":[...]}]}`, links sorted by name (or streamed with `stream`). */
async function ls(ctx: CommandContext): Promise<void> {
  const resolve = (ctx.options.bool('resolve-type') ?? true) || (ctx.options.bool('size') ?? true)
  const stream = ctx.options.bool('stream') ?? false
  const objects: Array<{ Hash: string; Links: LsLink[] }> = []
  for (const text of ctx.args) {
    const links: LsLink[] = []
    for await (const child of lsChildren(ctx, text)) {
      const link = await lsLink(ctx, child.name, child.cid, child.size, resolve)
      if (stream) await ctx.out.emit({ Objects: [{ Hash: text, Links: [link] }] })
      else links.push(link)
    }
    links.sort((a, b) => Buffer.compare(Buffer.from(a.Name), Buffer.from(b.Name)))
    objects.push({ Hash: text, Links: links })
  }
  if (!stream) await ctx.out.emitOnce({ Objects: objects })
}

export const unixfsCommands: CommandTable = {
  cat: {
    args: [arg.string('ipfs-path', true, true)],
    options: [opt.int64(['offset', 'o']), opt.int64(['length', 'l']), opt.bool(['progress', 'p'])],
    run: cat,
  },
  get: {
    args: [arg.string('ipfs-path', true)],
    options: [
      opt.string(['output', 'o']),
      opt.bool(['archive', 'a']),
      opt.bool(['compress', 'C']),
      opt.int(['compression-level', 'l']),
      opt.bool(['progress', 'p']),
    ],
    run: get,
  },
  ls: {
    args: [arg.string('ipfs-path', true, true)],
    options: [opt.bool(['headers', 'v']), opt.bool('resolve-type', true), opt.bool('size', true), opt.bool(['stream', 's']), opt.bool(['long', 'l'])],
    run: ls,
  },
}
