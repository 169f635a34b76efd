/**
 * `add`: streams the multipart upload through the UnixFS importer with Kubo's defaults (CIDv0,
 * 256 KiB fixed chunks, balanced layout with 174 links, dag-pb `file` leaves, HAMT sharding past
 * 256 KiB of link estimate), emitting Kubo's NDJSON events: progress `{Name, Bytes}` while bytes are
 * read, `{Name, Hash, Size}` per file as it completes, then every directory in post-order, the
 * root last. Each top-level entry is added (and pinned) on its own, as Kubo's adder does, unless
 * `wrap-with-directory` puts everything under one root.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { type ImportCandidate, type ImporterOptions, type ImportResult, importer, importFile, type WritableStorage } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { arg, opt } from '../command.js'
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_FILE_LINKS,
  HAMT_SHARDING_SIZE,
  MAX_CHUNK_SIZE,
  PROGRESS_INCREMENT
} from '../constants.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'
import type { MultipartEntry, Mtime } from '../multipart.js'
import { parseUnixfs, UNIXFS_DIRECTORY, UNIXFS_HAMT } from '../unixfs-meta.js'
import { addPin, validatePinName } from './pin.js'

/** Import settings resolved from the options, as Kubo's `UnixfsAddOptions`. */
export interface AddSettings {
  cidVersion: 0 | 1
  rawLeaves: boolean
  chunkSize: number
  maxLinks: number
  pin: boolean
  pinName: string | undefined
  onlyHash: boolean
  wrap: boolean
  progress: boolean
  silent: boolean
}

function unsupported(option: string): KuboApiError {
  return KuboApiError.command(`option ${JSON.stringify(option)} is not supported by this node`)
}

/** Go's `strconv.Atoi` error text. */
function atoiError(s: string): KuboApiError {
  return KuboApiError.command(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`)
}

/** boxo `chunk.FromString` for the fixed-size chunker. */
export function parseChunker(chunker: string | undefined): number {
  if (chunker === undefined || chunker === '' || chunker === 'default') return DEFAULT_CHUNK_SIZE
  const name = chunker.split('-', 1)[0]!
  if (name === 'rabin' || name === 'buzhash') {
    throw KuboApiError.command(`chunker ${JSON.stringify(chunker)} is not supported by this node (use size-N)`)
  }
  if (name !== 'size') throw KuboApiError.command(`unrecognized chunker option: ${chunker}`)
  const parts = chunker.split('-')
  if (parts.length !== 2) throw KuboApiError.command('incorrect chunker string format (expected size-{size})')
  if (!/^[+-]?\d+$/.test(parts[1]!)) throw atoiError(parts[1]!)
  const size = Number(parts[1])
  if (size <= 0) throw KuboApiError.command('chunker size must be greater than 0')
  if (size > MAX_CHUNK_SIZE) {
    throw KuboApiError.command(`chunker parameters may not exceed the maximum chunk size of ${MAX_CHUNK_SIZE}`)
  }
  return size
}

/** Resolves and validates the add options before the body is read. */
export function addSettings(ctx: CommandContext): AddSettings {
  const o = ctx.options
  for (const name of ['trickle', 'inline', 'nocopy', 'preserve-mode', 'preserve-mtime']) {
    if (o.bool(name) === true) throw unsupported(name)
  }
  if (o.string('to-files') !== undefined) throw unsupported('to-files')
  if ((o.number('mode') ?? 0) !== 0 || (o.bigint('mtime') ?? 0n) !== 0n) throw unsupported('mode/mtime')
  for (const name of ['max-directory-links', 'max-hamt-fanout']) if (o.has(name)) throw unsupported(name)
  const hash = (o.string('hash') ?? 'sha2-256').toLowerCase()
  const version = o.number('cid-version')
  if (hash !== 'sha2-256') {
    if (version === 0) throw KuboApiError.command('CIDv0 only supports sha2-256')
    throw KuboApiError.command(`hash function ${JSON.stringify(hash)} is not supported by this node (only sha2-256)`)
  }
  if (version !== undefined && version !== 0 && version !== 1) throw KuboApiError.command(`unknown CID version: ${version}`)
  const cidVersion = (version ?? 0) as 0 | 1
  const rawLeavesSet = o.bool('raw-leaves')
  // CIDv1 implies raw leaves unless they were explicitly turned off
  const rawLeaves = rawLeavesSet ?? cidVersion > 0
  const chunkSize = parseChunker(o.string('chunker'))
  const maxLinksOption = o.number('max-file-links')
  const maxLinks = maxLinksOption !== undefined && maxLinksOption > 0 ? maxLinksOption : DEFAULT_MAX_FILE_LINKS
  const onlyHash = o.bool('only-hash') ?? false
  const pin = (o.bool('pin') ?? true) && !onlyHash
  const pinName = o.string('pin-name')
  if (pinName !== undefined) {
    if (!(o.bool('pin') ?? true)) throw KuboApiError.command('pin-name option requires pin to be set')
    validatePinName(pinName)
  }
  const silent = o.bool('silent') ?? false
  return {
    cidVersion,
    rawLeaves,
    chunkSize,
    maxLinks,
    pin,
    pinName,
    onlyHash,
    wrap: o.bool('wrap-with-directory') ?? false,
    progress: o.bool('progress') ?? false,
    silent
  }
}

/** One unit Kubo's adder adds and pins on its own: a top-level entry, or everything when wrapping. */
interface Group {
  /** Path of the group's root: the top-level name, `''` when wrapping or for an unnamed part. */
  root: string
  entries: AsyncIterable<MultipartEntry>
  /** Mode and mtime of the top-level part; Kubo copies them into every event of the group. */
  mode: number | undefined
  mtime: Mtime | undefined
}

function topName(path: string): string {
  const i = path.indexOf('/')
  return i < 0 ? path : path.slice(0, i)
}

/** Splits the entries into top-level groups (contiguous entries under the same first segment). */
async function* topLevelGroups(entries: AsyncIterable<MultipartEntry>): AsyncGenerator<Group> {
  const it = entries[Symbol.asyncIterator]()
  let pending = await it.next()
  while (pending.done !== true) {
    const first: MultipartEntry = pending.value
    const root = topName(first.path)
    let exhausted = false
    const members = async function* (): AsyncGenerator<MultipartEntry> {
      yield first
      for (;;) {
        pending = await it.next()
        if (pending.done === true || root === '') break
        const p = pending.value.path
        if (p !== root && !p.startsWith(`${root}/`)) break
        yield pending.value
      }
      exhausted = true
    }
    const own = first.path === root
    yield { root, entries: members(), mode: own ? first.mode : undefined, mtime: own ? first.mtime : undefined }
    if (!exhausted) throw KuboApiError.command('add: a top-level entry was not read to its end')
  }
}

async function* wholeUpload(entries: AsyncIterable<MultipartEntry>): AsyncGenerator<Group> {
  yield { root: '', entries, mode: undefined, mtime: undefined }
}

/** Counts a file's bytes and reports progress as Kubo's `progressReader` (every 256 KiB and at EOF). */
async function* withProgress(ctx: CommandContext, source: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  let bytes = 0
  let reported = 0
  for await (const chunk of source) {
    bytes += chunk.byteLength
    yield chunk
    while (bytes - reported >= PROGRESS_INCREMENT) {
      reported += PROGRESS_INCREMENT
      await ctx.out.emit({ Name: name, Bytes: reported })
    }
  }
  await ctx.out.emit({ Name: name, Bytes: bytes === 0 ? undefined : bytes })
}

/** Whether a dag-pb node is a UnixFS directory or HAMT shard (UnixFS `Type` is field 1, written first). */
function isDirectoryNode(node: dagPb.PBNode): boolean {
  const data = node.Data
  return data !== undefined && data.length >= 2 && data[0] === 0x08 && (data[1] === UNIXFS_DIRECTORY || data[1] === UNIXFS_HAMT)
}

async function persist(bytes: Uint8Array, cidVersion: 0 | 1, store: WritableStorage): Promise<CID> {
  const cid = CID.create(cidVersion, dagPb.code, await sha256.digest(bytes))
  await store.put(cid, bytes)
  return cid
}

interface Candidate {
  path: string
  entry: MultipartEntry
}

/**
 * A DAG builder that imports files one by one with `importFile` (so an unnamed file can be named by
 * its CID, as Kubo does) and builds empty-directory and symlink nodes itself; the importer's tree
 * builder then lays out the directories.
 */
function dagBuilder(ctx: CommandContext, settings: AddSettings, fileOptions: ImporterOptions): NonNullable<ImporterOptions['dagBuilder']> {
  return async function* (source, store) {
    const knownDirs = new Set<string>()
    for await (const candidate of source as AsyncIterable<ImportCandidate & Candidate>) {
      const { entry, path } = candidate
      const parts = path.split('/')
      for (let i = 1; i < parts.length; i++) knownDirs.add(parts.slice(0, i).join('/'))
      if (entry.kind === 'directory') {
        // explicit directory parts only matter for empty directories; never replace a known one
        if (path === '' || knownDirs.has(path)) continue
        knownDirs.add(path)
        yield async () => {
          const unixfs = new UnixFS({ type: 'directory' })
          const bytes = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [] }))
          const cid = await persist(bytes, settings.cidVersion, store)
          return { cid, size: BigInt(bytes.length), path, unixfs }
        }
        continue
      }
      if (entry.kind === 'symlink') {
        yield async () => {
          const unixfs = new UnixFS({ type: 'symlink', data: new TextEncoder().encode(entry.target ?? '') })
          const bytes = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [] }))
          const cid = await persist(bytes, settings.cidVersion, store)
          return { cid, size: BigInt(bytes.length), path: path === '' ? cid.toString() : path, unixfs }
        }
        continue
      }
      yield async () => {
        const content = settings.progress ? withProgress(ctx, entry.content, path) : entry.content
        const result = await importFile({ content }, store, fileOptions)
        return { ...result, path: path === '' ? result.cid.toString() : path }
      }
    }
  }
}

interface DirEvent {
  name: string
  cid: CID
  size: bigint
}

/** Every directory under `root`, post-order, links in node order (Kubo's `outputDirs`). */
function directoryEvents(root: DirEvent, dirBlocks: Map<string, Uint8Array>): DirEvent[] {
  const events: DirEvent[] = []
  const children = (bytes: Uint8Array): Array<{ name: string, cid: CID, size: bigint }> => {
    const node = dagPb.decode(bytes)
    const meta = parseUnixfs(node.Data ?? new Uint8Array())
    if (meta.type === UNIXFS_DIRECTORY) {
      return node.Links.map((l) => ({ name: l.Name ?? '', cid: l.Hash, size: BigInt(l.Tsize ?? 0) }))
    }
    const padLength = ((Number(meta.fanout ?? 256n) - 1).toString(16)).length
    const out: Array<{ name: string, cid: CID, size: bigint }> = []
    for (const l of node.Links) {
      const name = l.Name ?? ''
      if (name.length === padLength) {
        const shard = dirBlocks.get(l.Hash.toString())
        if (shard !== undefined) out.push(...children(shard))
      } else {
        out.push({ name: name.slice(padLength), cid: l.Hash, size: BigInt(l.Tsize ?? 0) })
      }
    }
    return out
  }
  const walk = (dir: DirEvent): void => {
    const bytes = dirBlocks.get(dir.cid.toString())
    if (bytes === undefined) return
    for (const child of children(bytes)) {
      if (dirBlocks.has(child.cid.toString())) {
        walk({ name: dir.name === '' ? child.name : `${dir.name}/${child.name}`, cid: child.cid, size: child.size })
      }
    }
    events.push(dir)
  }
  walk(root)
  return events
}

function addEvent(ctx: CommandContext, group: Group, name: string, cid: CID, size: bigint): Record<string, unknown> {
  const event: Record<string, unknown> = { Name: name, Hash: ctx.encodeCid(cid), Size: size.toString() }
  if (group.mode !== undefined && group.mode !== 0) event.Mode = `0${group.mode.toString(8)}`
  if (group.mtime !== undefined && group.mtime.secs > 0n) {
    event.Mtime = group.mtime.secs
    if ((group.mtime.nsecs ?? 0) > 0) event.MtimeNsecs = group.mtime.nsecs
  }
  return event
}

/** Imports one group; returns its root and the links of every block written (for pinning). */
async function importGroup(
  ctx: CommandContext,
  settings: AddSettings,
  group: Group
): Promise<{ root: ImportResult, links: Map<string, CID[]> }> {
  const blockstore = ctx.node.helia.blockstore
  const dirBlocks = new Map<string, Uint8Array>()
  const links = new Map<string, CID[]>()
  const signal = ctx.signal
  const store: WritableStorage = {
    async put(cid, bytes) {
      signal.throwIfAborted()
      const block = bytes as Uint8Array
      if (cid.code === dagPb.code) {
        const node = dagPb.decode(block)
        links.set(cid.toString(), node.Links.map((l) => l.Hash))
        if (isDirectoryNode(node)) dirBlocks.set(cid.toString(), block)
      } else {
        links.set(cid.toString(), [])
      }
      if (!settings.onlyHash) await blockstore.put(cid, block, { signal })
      return cid
    }
  }
  const fileOptions: ImporterOptions = {
    chunker: fixedSize({ chunkSize: settings.chunkSize }),
    layout: balanced({ maxChildrenPerNode: settings.maxLinks }),
    cidVersion: settings.cidVersion,
    rawLeaves: settings.rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    blockWriteConcurrency: 16
  }
  const options: ImporterOptions = {
    ...fileOptions,
    wrapWithDirectory: settings.wrap,
    shardSplitThresholdBytes: HAMT_SHARDING_SIZE,
    shardSplitStrategy: 'links-bytes',
    shardFanoutBits: 8,
    // entries come from one socket in order: import them one at a time
    fileImportConcurrency: 1,
    dagBuilder: dagBuilder(ctx, settings, fileOptions)
  }
  const candidates = (async function* () {
    for await (const entry of group.entries) yield { path: entry.path, entry } as unknown as ImportCandidate
  })()
  let root: ImportResult | undefined
  const unnamed = group.root === '' && !settings.wrap
  for await (const result of importer(candidates, store, options)) {
    const path = result.path ?? ''
    if (result.unixfs?.isDirectory() === true) {
      if (path === group.root) root = result
      continue
    }
    if (!settings.silent) await ctx.out.emit(addEvent(ctx, group, path, result.cid, result.size))
    if (unnamed || path === group.root) root = result
  }
  if (root === undefined) {
    if (settings.wrap) throw KuboApiError.command('add: no root produced')
    throw KuboApiError.command('expected a file argument')
  }
  if (root.unixfs?.isDirectory() === true) {
    for (const dir of directoryEvents({ name: group.root, cid: root.cid, size: root.size }, dirBlocks)) {
      await ctx.out.emit(addEvent(ctx, group, dir.name, dir.cid, dir.size))
    }
  }
  return { root, links }
}

async function runAdd(ctx: CommandContext): Promise<void> {
  const settings = addSettings(ctx)
  const files = ctx.files!
  const release = settings.pin ? await ctx.env.gcLock.pinLock() : undefined
  try {
    let added = 0
    const groups = settings.wrap ? wholeUpload(files) : topLevelGroups(files)
    for await (const group of groups) {
      // Block writes overlap with hashing; the group is committed before it is pinned.
      const { root, links } = await ctx.node.writeBehind(() => importGroup(ctx, settings, group))
      added++
      if (settings.pin) await addPin(ctx, root.cid, { recursive: true, name: settings.pinName, known: links })
    }
    if (added === 0) throw KuboApiError.command('expected a file argument')
  } finally {
    release?.()
  }
}

export const addCommands: CommandTable = {
  add: {
    args: [arg.file('path', true)],
    options: [
      opt.bool(['recursive', 'r']),
      opt.bool(['dereference-args']),
      opt.string('stdin-name'),
      opt.bool(['hidden', 'H']),
      opt.bool(['empty-dirs', 'E'], true),
      opt.bool(['quiet', 'q']),
      opt.bool(['quieter', 'Q']),
      opt.bool('silent'),
      opt.bool(['progress', 'p']),
      opt.bool(['only-hash', 'n']),
      opt.bool(['wrap-with-directory', 'w']),
      opt.bool('pin', true),
      opt.string('pin-name'),
      opt.string('to-files'),
      opt.int('cid-version'),
      opt.string('hash'),
      opt.bool('raw-leaves'),
      opt.string(['chunker', 's']),
      opt.bool(['trickle', 't']),
      opt.int('max-file-links'),
      opt.int('max-directory-links'),
      opt.int('max-hamt-fanout'),
      opt.bool('inline'),
      opt.int('inline-limit', 32),
      opt.bool('nocopy'),
      opt.bool('fscache'),
      opt.bool('preserve-mode'),
      opt.bool('preserve-mtime'),
      opt.uint('mode'),
      opt.int64('mtime'),
      opt.uint('mtime-nsecs'),
      opt.bool('fast-provide-root'),
      opt.bool('fast-provide-dag'),
      opt.bool('fast-provide-wait')
    ],
    run: runAdd
  }
}
