/** `block/get`, `block/put`, `block/stat`, `block/rm`. */
import { CID } from 'multiformats/cid'
import { arg, opt } from '../command.js'
import { HARD_BLOCK_LIMIT, SOFT_BLOCK_LIMIT } from '../constants.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'
import { parseContentPath, resolveToCid } from '../paths.js'
import { codecCode, hasher } from './codecs.js'
import { addPin, findIndirect, getPin } from './pin.js'

/** Kubo's answer to a block over 2 MiB without `allow-big-block`. */
export const BIG_BLOCK_MESSAGE =
  "produced block is over 2MiB: big blocks can't be exchanged with other peers. consider using UnixFS for automatic chunking of bigger files, or pass --allow-big-block to override"

/** Reads a part into memory, refusing more than `limit` bytes. */
export async function readPart(source: AsyncIterable<Uint8Array>, limit: number, tooBig: () => KuboApiError): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of source) {
    total += chunk.byteLength
    if (total > limit) throw tooBig()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Kubo's `cmdutils.CheckBlockSize`: 2 MiB, or with `allow-big-block` the hard limit (8 MiB, or the
 * body limit if lower), so no request buffers more than one bounded block.
 */
export function blockLimit(ctx: CommandContext): number {
  return ctx.options.bool('allow-big-block') === true ? Math.min(HARD_BLOCK_LIMIT, ctx.env.options.maxBodyBytes) : SOFT_BLOCK_LIMIT
}

/**
 * The answer to a block over {@link blockLimit}: Kubo's big-block error (500) without
 * `allow-big-block`, else 413 for a block over the hard limit. `declared`: a size announced
 * before the block was read (a CAR section's length).
 */
export function bigBlockError(ctx: CommandContext, declared?: number): KuboApiError {
  if (ctx.options.bool('allow-big-block') === true) return KuboApiError.blockTooLarge(blockLimit(ctx), declared)
  return KuboApiError.command(declared === undefined ? BIG_BLOCK_MESSAGE : `CAR section declares ${declared} bytes: ${BIG_BLOCK_MESSAGE}`)
}

async function blockGet(ctx: CommandContext): Promise<void> {
  const cid = await resolveToCid(ctx.blocks, parseContentPath(ctx.args[0]!), ctx.signal)
  const bytes = await ctx.blocks.bytes(cid)
  await ctx.out.emitStream([bytes], { contentType: 'application/vnd.ipld.raw' })
}

async function blockStat(ctx: CommandContext): Promise<void> {
  const cid = await resolveToCid(ctx.blocks, parseContentPath(ctx.args[0]!), ctx.signal)
  const bytes = await ctx.blocks.bytes(cid)
  await ctx.out.emitOnce({ Key: ctx.encodeCid(cid), Size: bytes.byteLength })
}

/** The CID prefix of `block/put` (Kubo's `BlockPutOptions`: CIDv1 raw sha2-256 unless told otherwise). */
function putPrefix(ctx: CommandContext): { version: 0 | 1; code: number; hashName: string } {
  const o = ctx.options
  const hashName = o.string('mhtype') ?? 'sha2-256'
  hasher(hashName)
  const mhlen = o.number('mhlen') ?? -1
  if (mhlen !== -1 && !(hashName === 'sha2-256' && mhlen === 32) && !(hashName === 'sha2-512' && mhlen === 64)) {
    throw KuboApiError.command('truncated multihashes are not supported by this node')
  }
  let codecName = o.string('cid-codec') ?? 'raw'
  const format = o.string('format') ?? ''
  let version: 0 | 1 = 1
  if (format !== '') {
    if (codecName !== '' && codecName !== 'raw') {
      throw KuboApiError.command(`unable to use "format" (deprecated) and a custom "cid-codec" at the same time`)
    }
    if (format === 'v0') version = 0
    codecName = format === 'v0' || format === 'protobuf' ? 'dag-pb' : format === 'cbor' ? 'dag-cbor' : format
    if (version === 0 && hashName !== 'sha2-256') throw KuboApiError.command('only sha2-255-32 is allowed with CIDv0')
  }
  const code = codecName === '' ? 0x55 : codecCode(codecName)
  if (version === 0 && code !== 0x70) throw KuboApiError.command('only dag-pb is allowed with CIDv0')
  return { version, code, hashName }
}

async function blockPut(ctx: CommandContext): Promise<void> {
  const prefix = putPrefix(ctx)
  const h = hasher(prefix.hashName)
  const pin = ctx.options.bool('pin') ?? false
  const limit = blockLimit(ctx)
  const release = pin ? await ctx.env.gcLock.pinLock() : undefined
  try {
    for await (const entry of ctx.files!) {
      if (entry.kind !== 'file') throw KuboApiError.command('expected a file')
      const bytes = await readPart(entry.content, limit, () => bigBlockError(ctx))
      const cid = CID.create(prefix.version, prefix.code, await h.digest(bytes))
      await ctx.node.helia.blockstore.put(cid, bytes, { signal: ctx.signal })
      if (pin) await addPin(ctx, cid, { recursive: true, name: undefined, localOnly: true })
      await ctx.out.emit({ Key: ctx.encodeCid(cid), Size: bytes.byteLength })
    }
  } finally {
    release?.()
  }
}

async function blockRm(ctx: CommandContext): Promise<void> {
  const force = ctx.options.bool('force') ?? false
  const quiet = ctx.options.bool('quiet') ?? false
  for (const text of ctx.args) {
    const cid = await resolveToCid(ctx.blocks, parseContentPath(text), ctx.signal)
    const hash = ctx.encodeCid(cid)
    const release = await ctx.env.gcLock.gcLock()
    let error: string | undefined
    try {
      const pinned = await getPin(ctx, cid)
      if (pinned !== undefined) {
        error = `pinned: ${pinned.depth === 0 ? 'direct' : 'recursive'}`
      } else if (await ctx.node.helia.pins.isPinned(cid, { signal: ctx.signal })) {
        const via = await findIndirect(ctx, cid)
        error = via === undefined ? 'pinned: indirect' : `pinned via ${via}`
      } else if (!(await ctx.blocks.has(cid))) {
        if (!force) error = `ipld: could not find ${cid}`
      } else {
        try {
          await ctx.node.helia.blockstore.delete(cid, { signal: ctx.signal })
        } catch (err) {
          error = err instanceof Error ? err.message : String(err)
        }
      }
    } finally {
      release()
    }
    if (error !== undefined) await ctx.out.emit({ Hash: hash, Error: error })
    else if (!quiet) await ctx.out.emit({ Hash: hash })
  }
}

export const blockCommands: CommandTable = {
  'block/get': {
    args: [arg.string('cid', true)],
    options: [],
    run: blockGet,
  },
  'block/stat': {
    args: [arg.string('cid', true)],
    options: [],
    run: blockStat,
  },
  'block/put': {
    args: [arg.file('data', true)],
    options: [
      opt.string('cid-codec', 'raw'),
      opt.string('mhtype'),
      opt.int('mhlen', -1),
      opt.bool('pin', false),
      opt.bool('allow-big-block', false),
      opt.string(['format', 'f']),
    ],
    run: blockPut,
  },
  'block/rm': {
    args: [arg.string('cid', true, true)],
    options: [opt.bool(['force', 'f']), opt.bool(['quiet', 'q'])],
    run: blockRm,
  },
}
