/** `files/stat` for content paths (`/ipfs/<cid>[/path]`); this node has no MFS. */
import type { CID } from 'multiformats/cid'
import { arg, opt } from '../command.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'
import { blockLinks } from '../links.js'
import { parseContentPath, resolveToCid } from '../paths.js'
import {
  cumulativeSize,
  decodeUnixfsNode,
  goFileMode,
  UNIXFS_DIRECTORY,
  UNIXFS_FILE,
  UNIXFS_HAMT,
  UNIXFS_METADATA,
  UNIXFS_RAW,
  UNIXFS_SYMLINK,
} from '../unixfs-meta.js'

const DEFAULT_FORMAT = `<hash>
Size: <size>
CumulativeSize: <cumulsize>
ChildBlocks: <childs>
Type: <type>
Mode: <mode> (<mode-octal>)
Mtime: <mtime>`

const MODE_SYMLINK = 0x8000000

/** Kubo's `walkBlock` (`with-local`): whether the whole DAG is local and how many bytes of it are. */
async function walkLocal(ctx: CommandContext, cid: CID, bytes: Uint8Array): Promise<{ local: boolean; size: bigint }> {
  let size = BigInt(bytes.byteLength)
  let local = true
  for (const child of blockLinks(cid, bytes)) {
    const childBytes = await ctx.blocks.local(child)
    if (childBytes === undefined) {
      local = false
      continue
    }
    const sub = await walkLocal(ctx, child, childBytes)
    local &&= sub.local
    size += sub.size
  }
  return { local, size }
}

async function filesStat(ctx: CommandContext): Promise<void> {
  const hash = ctx.options.bool('hash') ?? false
  const size = ctx.options.bool('size') ?? false
  const format = ctx.options.string('format') ?? DEFAULT_FORMAT
  if ([hash, size, format !== DEFAULT_FORMAT].filter(Boolean).length > 1) {
    throw KuboApiError.client('invalid parameters: format was set by multiple options. Only one format option is allowed')
  }
  const text = ctx.args[0]!
  if (!/^\/(ipfs|ipld)\//.test(text) && !/^(ipfs|ipld):/i.test(text)) {
    if (text.length === 0) throw KuboApiError.command('paths must not be empty')
    if (!text.startsWith('/')) throw KuboApiError.command('paths must start with a leading slash')
    throw KuboApiError.command(`${text}: MFS is not supported by this node; use a content path (/ipfs/<cid>)`)
  }
  const cid = await resolveToCid(ctx.blocks, parseContentPath(text), ctx.signal)
  const bytes = await ctx.blocks.bytes(cid)
  const node = decodeUnixfsNode(cid, bytes)
  if (node === undefined) throw KuboApiError.command('not unixfs node (proto or raw)')
  const out: Record<string, unknown> = { Hash: ctx.encodeCid(cid) }
  const cumulative = cumulativeSize(node)
  if (node.kind === 'raw') {
    Object.assign(out, { Size: cumulative, CumulativeSize: cumulative, Blocks: 0, Type: 'file' })
  } else {
    const meta = node.meta
    if (meta === undefined) throw KuboApiError.command('failed to decode Protocol Buffers: not a UnixFS node')
    let type: string
    if (meta.type === UNIXFS_DIRECTORY || meta.type === UNIXFS_HAMT) type = 'directory'
    else if ([UNIXFS_FILE, UNIXFS_SYMLINK, UNIXFS_METADATA, UNIXFS_RAW].includes(meta.type)) type = 'file'
    else throw KuboApiError.command(`unrecognized node type: ${meta.type}`)
    Object.assign(out, { Size: meta.fileSize, CumulativeSize: cumulative, Blocks: node.node.Links.length, Type: type })
    let mode = goFileMode(meta)
    if (mode === 0 && meta.type === UNIXFS_SYMLINK) mode = MODE_SYMLINK | 0o777
    if (meta.mtime !== undefined && meta.mtime.secs !== 0n) {
      out.Mtime = meta.mtime.secs
      if (meta.mtime.nsecs > 0) out.MtimeNsecs = meta.mtime.nsecs
    }
    if (mode !== 0) out.Mode = (mode >>> 0).toString(8).padStart(4, '0')
  }
  if (ctx.options.bool('with-local') === true) {
    const { local, size: sizeLocal } = await walkLocal(ctx, cid, bytes)
    // Kubo's field order: WithLocality, Local, SizeLocal come before Mode/Mtime
    const { Mode, Mtime, MtimeNsecs, ...head } = out
    await ctx.out.emitOnce({
      ...head,
      WithLocality: true,
      Local: local || undefined,
      SizeLocal: sizeLocal === 0n ? undefined : sizeLocal,
      Mtime,
      MtimeNsecs,
      Mode,
    })
    return
  }
  const { Mode, ...rest } = out
  await ctx.out.emitOnce({ ...rest, Mode })
}

export const filesCommands: CommandTable = {
  'files/stat': {
    args: [arg.string('path', true)],
    options: [opt.string('format', DEFAULT_FORMAT), opt.bool('hash'), opt.bool('size'), opt.bool('with-local')],
    run: filesStat,
  },
}
