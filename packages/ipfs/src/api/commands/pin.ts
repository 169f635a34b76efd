/**
 * `pin/add`, `pin/rm`, `pin/ls` over Helia's pins. Kubo's pin modes map to Helia depths (recursive:
 * infinite, direct: 0); the pin name and the CID version the client used are kept in the pin's
 * metadata so `pin/ls` shows CIDs as Kubo would. Indirect pins are found by walking the recursive
 * ones, as Kubo's `pin ls --type=all` does.
 */
import type { Pin } from '@helia/interface'
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { arg, opt } from '../command.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'
import { blockLinks, multihashKey, walker } from '../links.js'
import { parseContentPath, resolveToCid } from '../paths.js'

const MAX_PIN_NAME_BYTES = 255
/** Kubo's `pin add --progress` ticker. */
const PIN_PROGRESS_INTERVAL_MS = 500
const META_NAME = 'name'
const META_CID_VERSION = 'cidVersion'

/** Kubo's `cmdutils.ValidatePinName`. */
export function validatePinName(name: string): void {
  const bytes = Buffer.byteLength(name)
  if (bytes > MAX_PIN_NAME_BYTES) throw KuboApiError.command(`pin name is ${bytes} bytes (max ${MAX_PIN_NAME_BYTES} bytes)`)
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'NotFoundError'
}

/** The pin of a CID, if any. */
export async function getPin(ctx: CommandContext, cid: CID): Promise<Pin | undefined> {
  try {
    return await ctx.node.helia.pins.get(cid, { signal: ctx.signal })
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

function isRecursive(pin: Pin): boolean {
  return pin.depth !== 0
}

/** The CID as the client pinned it (Helia keys pins by CIDv1). */
function displayCid(pin: Pin): CID {
  const cid = pin.cid
  if (pin.metadata[META_CID_VERSION] === 0 && cid.code === dagPb.code && cid.multihash.code === sha256.code) return cid.toV0()
  return cid
}

function pinName(pin: Pin): string {
  const name = pin.metadata[META_NAME]
  return typeof name === 'string' ? name : ''
}

async function drain(it: AsyncIterable<unknown>, onItem?: () => void): Promise<void> {
  for await (const _ of it) onItem?.()
}

/** Pins `cid` (Kubo's `pinner.Pin`): idempotent, converts a direct pin to recursive, renames. */
export async function addPin(
  ctx: CommandContext,
  cid: CID,
  options: {
    recursive: boolean
    name: string | undefined
    localOnly?: boolean
    known?: ReadonlyMap<string, CID[]>
    /** Called for each block of the DAG the pin walks (fetched or already local): Kubo's `ProgressTracker`. */
    onBlock?: () => void
  },
): Promise<void> {
  const pins = ctx.node.helia.pins
  const existing = await getPin(ctx, cid)
  if (existing !== undefined) {
    if (isRecursive(existing) === options.recursive) {
      if (options.name !== undefined && options.name !== '') {
        await pins.setMetadata(cid, { ...existing.metadata, [META_NAME]: options.name }, { signal: ctx.signal })
      }
      return
    }
    if (!options.recursive) throw KuboApiError.command(`pin: ${cid} already pinned recursively`)
    await drain(pins.rm(cid, { signal: ctx.signal, walker: walker(ctx.blocks, { localOnly: true }) }))
  }
  const metadata: Record<string, string | number> = {}
  if (options.name !== undefined && options.name !== '') metadata[META_NAME] = options.name
  if (cid.version === 0) metadata[META_CID_VERSION] = 0
  await drain(
    pins.add(cid, {
      depth: options.recursive ? Number.POSITIVE_INFINITY : 0,
      metadata,
      signal: ctx.signal,
      walker: walker(ctx.blocks, options.known === undefined ? { localOnly: options.localOnly ?? false } : { localOnly: true, known: options.known }),
    }),
    options.onBlock,
  )
}

/** Resolves after `ms` unless cancelled (cancelling leaves it pending, so nothing is left scheduled). */
function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return { promise, cancel: () => clearTimeout(timer) }
}

/**
 * Kubo's `pin/add`: one `{Pins}` value; with `progress=true` a `{Progress}` line every 500 ms while
 * the DAGs are walked (the number of blocks visited so far, fetched or local; omitted while 0, as
 * Go's `omitempty` does), the final count once done (if not 0), then `{Pins}`.
 */
async function pinAdd(ctx: CommandContext): Promise<void> {
  const recursive = ctx.options.bool('recursive') ?? true
  const name = ctx.options.string('name')
  if (name !== undefined) validatePinName(name)
  const progress = ctx.options.bool('progress') ?? false
  let blocks = 0
  const onBlock = (): void => {
    blocks++
  }
  const pinning = (async (): Promise<string[]> => {
    const added: string[] = []
    const release = await ctx.env.gcLock.pinLock()
    try {
      for (const text of ctx.args) {
        const path = parseContentPath(text)
        let cid: CID
        try {
          cid = await resolveToCid(ctx.blocks, path, ctx.signal)
          await addPin(ctx, cid, { recursive, name, onBlock })
        } catch (err) {
          if (err instanceof KuboApiError && err.message.startsWith('pin: ')) throw err
          throw KuboApiError.command(`pin: ${err instanceof Error ? err.message : String(err)}`, err)
        }
        added.push(ctx.encodeCid(cid))
      }
    } finally {
      release()
    }
    return added
  })()
  if (!progress) {
    await ctx.out.emitOnce({ Pins: await pinning })
    return
  }
  // if the client goes away mid-stream, the pin's own outcome must not become an unhandled rejection
  pinning.catch(() => {})
  for (;;) {
    const tick = delay(PIN_PROGRESS_INTERVAL_MS)
    let added: string[] | undefined
    try {
      added = await Promise.race([pinning, tick.promise.then(() => undefined)])
    } finally {
      tick.cancel()
    }
    if (added !== undefined) {
      if (blocks !== 0) await ctx.out.emit({ Progress: blocks })
      await ctx.out.emit({ Pins: added })
      return
    }
    await ctx.out.emit({ Progress: blocks === 0 ? undefined : blocks })
  }
}

async function pinRm(ctx: CommandContext): Promise<void> {
  const recursive = ctx.options.bool('recursive') ?? true
  const removed: string[] = []
  const release = await ctx.env.gcLock.pinLock()
  try {
    for (const text of ctx.args) {
      const cid = await resolveToCid(ctx.blocks, parseContentPath(text), ctx.signal)
      removed.push(ctx.encodeCid(cid))
      const existing = await getPin(ctx, cid)
      if (existing === undefined) throw KuboApiError.command('not pinned or pinned indirectly')
      if (isRecursive(existing) && !recursive) throw KuboApiError.command(`${cid} is pinned recursively`)
      await drain(ctx.node.helia.pins.rm(cid, { signal: ctx.signal, walker: walker(ctx.blocks, { localOnly: true }) }))
    }
  } finally {
    release()
  }
  await ctx.out.emitOnce({ Pins: removed })
}

const PIN_TYPES = new Set(['direct', 'indirect', 'recursive', 'all'])

interface PinLsEntry {
  cid: string
  type: string
  name: string
}

/** All pins, as Kubo's `pinLsAll` lists them: recursive, then direct, then indirect ones. */
async function* listAll(ctx: CommandContext, type: string, nameFilter: string | undefined): AsyncGenerator<PinLsEntry> {
  const recursive: Pin[] = []
  const direct: Pin[] = []
  for await (const pin of ctx.node.helia.pins.ls({ signal: ctx.signal })) {
    if (isRecursive(pin)) recursive.push(pin)
    else direct.push(pin)
  }
  const emitted = new Set<string>()
  const matches = (name: string): boolean => nameFilter === undefined || nameFilter === '' || name.includes(nameFilter)
  if (type === 'recursive' || type === 'all') {
    for (const pin of recursive) {
      emitted.add(multihashKey(pin.cid))
      if (matches(pinName(pin))) yield { cid: ctx.encodeCid(displayCid(pin)), type: 'recursive', name: pinName(pin) }
    }
  }
  if (type === 'direct' || type === 'all') {
    for (const pin of direct) {
      const key = multihashKey(pin.cid)
      if (emitted.has(key)) continue
      emitted.add(key)
      if (matches(pinName(pin))) yield { cid: ctx.encodeCid(displayCid(pin)), type: 'direct', name: pinName(pin) }
    }
  }
  if (type === 'indirect') {
    for (const pin of [...direct, ...recursive]) emitted.add(multihashKey(pin.cid))
  }
  if ((type === 'indirect' || type === 'all') && matches('')) {
    const visited = new Set<string>()
    for (const pin of recursive) {
      const stack = [pin.cid]
      visited.add(multihashKey(pin.cid))
      while (stack.length > 0) {
        const cid = stack.pop()!
        const bytes = await ctx.blocks.bytes(cid)
        const links = blockLinks(cid, bytes)
        for (let i = links.length - 1; i >= 0; i--) {
          const child = links[i]!
          const key = multihashKey(child)
          if (visited.has(key)) continue
          visited.add(key)
          stack.push(child)
          if (!emitted.has(key)) {
            emitted.add(key)
            yield { cid: ctx.encodeCid(child), type: 'indirect', name: '' }
          }
        }
      }
    }
  }
}

/** Pins of the given paths (`pin ls <path>...`): fails on the first one that is not pinned. */
async function* listKeys(ctx: CommandContext, type: string): AsyncGenerator<PinLsEntry> {
  for (const text of ctx.args) {
    const cid = await resolveToCid(ctx.blocks, parseContentPath(text), ctx.signal)
    const pin = await getPin(ctx, cid)
    let found: PinLsEntry | undefined
    if (pin !== undefined) {
      const t = isRecursive(pin) ? 'recursive' : 'direct'
      if (type === 'all' || type === t) found = { cid: ctx.encodeCid(cid), type: t, name: pinName(pin) }
    }
    if (found === undefined && (type === 'all' || type === 'indirect')) {
      const via = await findIndirect(ctx, cid)
      if (via !== undefined) found = { cid: ctx.encodeCid(cid), type: `indirect through ${ctx.encodeCid(via)}`, name: '' }
    }
    if (found === undefined) throw KuboApiError.command(`path '${text}' is not pinned`)
    yield found
  }
}

/** The recursive pin whose DAG contains `cid`, if any. */
export async function findIndirect(ctx: CommandContext, cid: CID): Promise<CID | undefined> {
  if (!(await ctx.node.helia.pins.isPinned(cid, { signal: ctx.signal }))) return undefined
  const target = multihashKey(cid)
  for await (const pin of ctx.node.helia.pins.ls({ signal: ctx.signal })) {
    if (!isRecursive(pin)) continue
    const visited = new Set<string>([multihashKey(pin.cid)])
    const stack = [pin.cid]
    while (stack.length > 0) {
      const current = stack.pop()!
      for (const child of blockLinks(current, await ctx.blocks.bytes(current))) {
        const key = multihashKey(child)
        if (key === target) return displayCid(pin)
        if (visited.has(key)) continue
        visited.add(key)
        stack.push(child)
      }
    }
  }
  return undefined
}

async function pinLs(ctx: CommandContext): Promise<void> {
  const type = ctx.options.string('type') ?? 'all'
  const stream = ctx.options.bool('stream') ?? false
  const nameFilter = ctx.options.string('name')
  if (nameFilter !== undefined) validatePinName(nameFilter)
  if (!PIN_TYPES.has(type)) {
    throw KuboApiError.command(`invalid type '${type}', must be one of {direct, indirect, recursive, all}`)
  }
  const entries = ctx.args.length > 0 ? listKeys(ctx, type) : listAll(ctx, type, nameFilter)
  if (stream) {
    for await (const e of entries) {
      await ctx.out.emit({ Cid: e.cid, Name: e.name === '' ? undefined : e.name, Type: e.type })
    }
    return
  }
  const keys: Record<string, { Type: string; Name: string }> = {}
  for await (const e of entries) keys[e.cid] = { Type: e.type, Name: e.name }
  await ctx.out.emitOnce({ Keys: Object.keys(keys).length === 0 ? undefined : keys })
}

export const pinCommands: CommandTable = {
  'pin/add': {
    args: [arg.string('ipfs-path', true, true)],
    options: [
      opt.bool(['recursive', 'r'], true),
      opt.string(['name', 'n']),
      opt.bool('progress'),
      opt.bool('fast-provide-root'),
      opt.bool('fast-provide-dag'),
      opt.bool('fast-provide-wait'),
    ],
    run: pinAdd,
  },
  'pin/rm': {
    args: [arg.string('ipfs-path', true, true)],
    options: [opt.bool(['recursive', 'r'], true)],
    run: pinRm,
  },
  'pin/ls': {
    args: [arg.string('ipfs-path', false, true)],
    options: [opt.string(['type', 't'], 'all'), opt.bool(['quiet', 'q']), opt.string(['name', 'n']), opt.bool(['stream', 's']), opt.bool('names')],
    run: pinLs,
  },
}
