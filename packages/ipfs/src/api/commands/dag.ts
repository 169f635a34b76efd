/** `dag/put`, `dag/get`, `dag/resolve`, `dag/stat`, `dag/export` (CARv1), `dag/import`. */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { equals } from 'multiformats/bytes'
import { arg, opt } from '../command.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'
import { GoFloat32 } from '../json.js'
import { blockLinks, decodeBlock, multihashKey } from '../links.js'
import { parseContentPath, resolveContentPath } from '../paths.js'
import { bigBlockError, blockLimit, readPart } from './block.js'
import { codecCode, HASHERS, hasher } from './codecs.js'
import { openCar } from './dag-car.js'
import { addPin } from './pin.js'

function decodeInput(codec: string, bytes: Uint8Array): unknown {
  switch (codec) {
    case 'dag-json':
      return dagJson.decode(bytes)
    case 'dag-cbor':
    case 'cbor':
      return dagCbor.decode(bytes)
    case 'dag-pb':
      return dagPb.decode(bytes)
    case 'json':
      return json.decode(bytes)
    case 'raw':
      return bytes
    default:
      codecCode(codec)
      throw KuboApiError.command(`no decoder registered for multicodec ${JSON.stringify(codec)}`)
  }
}

function encodeOutput(codec: string, value: unknown): Uint8Array {
  switch (codec) {
    case 'dag-cbor':
      return dagCbor.encode(value)
    case 'dag-json':
      return dagJson.encode(value)
    case 'dag-pb':
      return dagPb.encode(value as dagPb.PBNode)
    case 'json':
      return json.encode(value)
    case 'raw':
      if (!(value instanceof Uint8Array)) throw KuboApiError.command('raw codec can only encode bytes')
      return value
    default:
      codecCode(codec)
      throw KuboApiError.command(`no encoder registered for multicodec ${JSON.stringify(codec)}`)
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

async function dagPut(ctx: CommandContext): Promise<void> {
  const inputCodec = ctx.options.string('input-codec') ?? 'dag-json'
  const storeCodec = ctx.options.string('store-codec') ?? 'dag-cbor'
  const hashName = ctx.options.string('hash') ?? 'sha2-256'
  const pin = ctx.options.bool('pin') ?? false
  codecCode(inputCodec)
  const code = codecCode(storeCodec)
  const h = hasher(hashName, `unknown multicodec: ${JSON.stringify(hashName)}`)
  const limit = blockLimit(ctx)
  const release = pin ? await ctx.env.gcLock.pinLock() : undefined
  try {
    for await (const entry of ctx.files!) {
      if (entry.kind !== 'file') throw KuboApiError.command('expected a regular file')
      const input = await readPart(entry.content, limit * 4, () => bigBlockError(ctx))
      let bytes: Uint8Array
      try {
        bytes = encodeOutput(storeCodec, decodeInput(inputCodec, input))
      } catch (err) {
        if (err instanceof KuboApiError) throw err
        throw KuboApiError.command(describe(err), err)
      }
      if (bytes.byteLength > limit) throw bigBlockError(ctx)
      const cid = CID.createV1(code, await h.digest(bytes))
      await ctx.node.helia.blockstore.put(cid, bytes, { signal: ctx.signal })
      if (pin) await addPin(ctx, cid, { recursive: true, name: undefined, localOnly: true })
      await ctx.out.emit({ Cid: cid })
    }
  } finally {
    release?.()
  }
}

/** Walks an IPLD path inside one decoded node. */
function traverse(value: unknown, path: string[]): unknown {
  let current = value
  for (const segment of path) {
    if (Array.isArray(current)) {
      const index = /^\d+$/.test(segment) ? Number(segment) : -1
      if (index < 0 || index >= current.length) throw KuboApiError.command(`error traversing node at ${JSON.stringify(segment)}: index out of range`)
      current = current[index]
    } else if (current !== null && typeof current === 'object' && !(current instanceof Uint8Array) && CID.asCID(current) === null) {
      if (!Object.hasOwn(current, segment)) throw KuboApiError.command(`no such link found: ${JSON.stringify(segment)}`)
      current = (current as Record<string, unknown>)[segment]
    } else {
      throw KuboApiError.command(`cannot traverse node at ${JSON.stringify(segment)}: not a map or list`)
    }
  }
  return current
}

async function dagGet(ctx: CommandContext): Promise<void> {
  const codec = ctx.options.string('output-codec') ?? 'dag-json'
  codecCode(codec)
  const { cid, remainder } = await resolveContentPath(ctx.blocks, parseContentPath(ctx.args[0]!), ctx.signal)
  const node = traverse(decodeBlock(cid, await ctx.blocks.bytes(cid)), remainder)
  let bytes: Uint8Array
  try {
    bytes = encodeOutput(codec, node)
  } catch (err) {
    if (err instanceof KuboApiError) throw err
    throw KuboApiError.command(`invalid encoding: ${codec} - ${describe(err)}`, err)
  }
  await ctx.out.emitStream([bytes])
}

async function dagResolve(ctx: CommandContext): Promise<void> {
  const { cid, remainder } = await resolveContentPath(ctx.blocks, parseContentPath(ctx.args[0]!), ctx.signal)
  await ctx.out.emitOnce({ Cid: cid, RemPath: remainder.join('/') })
}

interface DagStat {
  Cid: string
  Size: bigint
  NumBlocks: number
}

/** `dag/stat`: sizes and block counts of DAGs, streaming a running summary per block (unless `progress=false`). */
async function dagStat(ctx: CommandContext): Promise<void> {
  const progressive = ctx.options.bool('progress') ?? true
  const cidSet = ctx.args.length > 1 ? new Set<string>() : undefined
  const stats: DagStat[] = []
  let total = 0n
  let redundant = 0n
  const summary = (final: boolean): Record<string, unknown> => {
    const unique = cidSet !== undefined ? cidSet.size : stats.reduce((n, s) => n + s.NumBlocks, 0)
    const out: Record<string, unknown> = {
      UniqueBlocks: final && unique !== 0 ? unique : undefined,
      TotalSize: total === 0n ? undefined : total,
      SharedSize: final && redundant - total !== 0n ? redundant - total : undefined,
      Ratio: final && total > 0n ? new GoFloat32(Math.fround(Math.fround(Number(redundant)) / Math.fround(Number(total)))) : undefined,
      DagStats:
        stats.length === 0
          ? undefined
          : stats.map((s) => ({ Cid: s.Cid, Size: s.Size === 0n ? undefined : s.Size, NumBlocks: s.NumBlocks === 0 ? undefined : s.NumBlocks })),
    }
    return out
  }
  for (const text of ctx.args) {
    const { cid, remainder } = await resolveContentPath(ctx.blocks, parseContentPath(text), ctx.signal)
    if (remainder.length > 0) throw KuboApiError.command('cannot return size for anything other than a DAG with a root CID')
    const stat: DagStat = { Cid: ctx.encodeCid(cid), Size: 0n, NumBlocks: 0 }
    stats.push(stat)
    const seen = new Set<string>()
    const stack = [cid]
    while (stack.length > 0) {
      const current = stack.pop()!
      const key = multihashKey(current)
      if (seen.has(key)) continue
      seen.add(key)
      let bytes: Uint8Array
      try {
        bytes = await ctx.blocks.bytes(current)
      } catch (err) {
        throw KuboApiError.command(`error traversing DAG: ${describe(err)}`, err)
      }
      const size = BigInt(bytes.byteLength)
      stat.Size += size
      stat.NumBlocks++
      if (cidSet === undefined || !cidSet.has(current.toString())) {
        cidSet?.add(current.toString())
        total += size
      }
      redundant += size
      if (progressive) await ctx.out.emit(summary(false))
      const links = blockLinks(current, bytes)
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!)
    }
  }
  await ctx.out.emit(summary(true))
}

/** `dag/export`: the DAG as a CARv1 stream, blocks in depth-first first-seen order (go-car's `TraverseV1`). */
async function dagExport(ctx: CommandContext): Promise<void> {
  const { cid: root } = await resolveContentPath(ctx.blocks, parseContentPath(ctx.args[0]!), ctx.signal)
  const rootBytes = await ctx.blocks.bytes(root)
  const frame = (cid: CID, bytes: Uint8Array): Uint8Array => {
    const length = cid.bytes.byteLength + bytes.byteLength
    const out = new Uint8Array(varint.encodingLength(length) + length)
    const offset = varint.encodingLength(length)
    varint.encodeTo(length, out, 0)
    out.set(cid.bytes, offset)
    out.set(bytes, offset + cid.bytes.byteLength)
    return out
  }
  const blocks = ctx.blocks
  const body = (async function* (): AsyncGenerator<Uint8Array> {
    const header = dagCbor.encode({ roots: [root], version: 1 })
    const prefix = new Uint8Array(varint.encodingLength(header.byteLength))
    varint.encodeTo(header.byteLength, prefix, 0)
    yield prefix
    yield header
    const seen = new Set<string>()
    const stack: CID[] = [root]
    while (stack.length > 0) {
      const cid = stack.pop()!
      const key = cid.toString()
      if (seen.has(key)) continue
      seen.add(key)
      const bytes = cid.equals(root) ? rootBytes : await blocks.bytes(cid)
      yield frame(cid, bytes)
      const links = blockLinks(cid, bytes)
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!)
    }
  })()
  await ctx.out.emitStream(body, { contentType: 'application/vnd.ipld.car' })
}

/**
 * `dag/import`: stores every block of the CAR files (hashes verified), then pins their roots. The
 * CAR is streamed one section at a time; a section declaring more than the block limit is refused
 * before it is read.
 */
async function dagImport(ctx: CommandContext): Promise<void> {
  const localOnly = ctx.options.bool('local-only') ?? false
  const pinRootsOption = ctx.options.bool('pin-roots')
  if (localOnly && pinRootsOption === true) {
    throw KuboApiError.command('--local-only implies --pin-roots=false and cannot be combined with --pin-roots=true; please drop one of them')
  }
  const pinRoots = localOnly ? false : (pinRootsOption ?? true)
  const limit = blockLimit(ctx)
  const roots = new Map<string, CID>()
  let blockCount = 0
  let blockBytes = 0
  const release = pinRoots ? await ctx.env.gcLock.pinLock() : undefined
  try {
    for await (const entry of ctx.files!) {
      if (entry.kind !== 'file') throw KuboApiError.command('expected a file handle')
      let previous: CID | undefined
      let current: CID | undefined
      try {
        const car = await openCar(entry.content, limit, (declared) => bigBlockError(ctx, declared))
        for (const root of car.roots) roots.set(root.toString(), root)
        for await (const { cid, bytes } of car.blocks()) {
          current = cid
          if (bytes.byteLength > limit) throw bigBlockError(ctx)
          const h = Object.values(HASHERS).find((x) => x.code === cid.multihash.code)
          if (h === undefined) throw KuboApiError.command(`unsupported multihash code 0x${cid.multihash.code.toString(16)}`)
          const digest = await h.digest(bytes)
          if (!equals(digest.digest, cid.multihash.digest)) throw KuboApiError.command('block data does not match its CID (hash mismatch)')
          if (cid.code !== raw.code) decodeBlock(cid, bytes)
          await ctx.node.helia.blockstore.put(cid, bytes, { signal: ctx.signal })
          blockCount++
          blockBytes += bytes.byteLength
          previous = cid
          current = undefined
        }
      } catch (err) {
        if (err instanceof KuboApiError && err.code !== 'IPFS_API_ERROR_COMMAND') throw err
        const reason = describe(err)
        if (current !== undefined) throw KuboApiError.command(`import failed at block ${JSON.stringify(current.toString())}: ${reason}`, err)
        if (previous !== undefined) throw KuboApiError.command(`import failed after block ${JSON.stringify(previous.toString())}: ${reason}`, err)
        throw KuboApiError.command(`import failed: ${reason}`, err)
      }
    }
    if (pinRoots) {
      for (const root of roots.values()) {
        let message = ''
        if (!(await ctx.blocks.has(root))) {
          message = `block was not found locally (offline): ipld: could not find ${root}`
        } else {
          try {
            await addPin(ctx, root, { recursive: true, name: undefined })
          } catch (err) {
            message = describe(err)
          }
        }
        await ctx.out.emit({ Root: { Cid: root, PinErrorMsg: message } })
      }
    }
  } finally {
    release?.()
  }
  if (ctx.options.bool('stats') === true) await ctx.out.emit({ Stats: { BlockCount: blockCount, BlockBytesCount: blockBytes } })
}

export const dagCommands: CommandTable = {
  'dag/put': {
    args: [arg.file('object data', true)],
    options: [
      opt.string('store-codec', 'dag-cbor'),
      opt.string('input-codec', 'dag-json'),
      opt.bool('pin'),
      opt.string('hash'),
      opt.bool('allow-big-block', false),
    ],
    run: dagPut,
  },
  'dag/get': {
    args: [arg.string('ref', true)],
    options: [opt.string('output-codec', 'dag-json')],
    run: dagGet,
  },
  'dag/resolve': {
    args: [arg.string('ref', true)],
    options: [],
    run: dagResolve,
  },
  'dag/stat': {
    args: [arg.string('root', true, true)],
    options: [opt.bool(['progress', 'p'])],
    run: dagStat,
  },
  'dag/export': {
    args: [arg.string('root', true)],
    options: [opt.bool(['progress', 'p']), opt.bool('local-only')],
    run: dagExport,
  },
  'dag/import': {
    args: [arg.file('path', true)],
    options: [
      opt.bool('pin-roots'),
      opt.bool('local-only'),
      opt.bool('silent'),
      opt.bool('stats'),
      opt.bool('fast-provide-root'),
      opt.bool('fast-provide-dag'),
      opt.bool('fast-provide-wait'),
      opt.bool('allow-big-block', false),
    ],
    run: dagImport,
  },
}
