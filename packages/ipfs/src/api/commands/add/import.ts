/**
 * `add` import pipeline: one group's entries through the UnixFS importer with Kubo's settings
 * (`kuboAddOptions`, their one source), files imported one by one so an unnamed file can be named
 * by its CID, empty directories and symlinks built here, every block's links remembered for
 * pinning and directory blocks kept for the directory events.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { type ImportCandidate, type ImporterOptions, type ImportResult, importer, importFile, type WritableStorage } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { type KuboAddOptions, kuboAddOptions } from '../../../node/kubo-options.js'
import { ADD_BLOCK_WRITE_CONCURRENCY } from '../../constants.js'
import type { CommandContext } from '../../context.js'
import { KuboApiError } from '../../errors.js'
import type { MultipartEntry } from '../../multipart.js'
import { UNIXFS_DIRECTORY, UNIXFS_HAMT } from '../../unixfs-meta.js'
import type { Group } from './groups.js'
import { addEvent, directoryEvents, withProgress } from './output.js'
import type { AddSettings } from './settings.js'

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
function dagBuilder(ctx: CommandContext, settings: AddSettings, fileOptions: KuboAddOptions): NonNullable<ImporterOptions['dagBuilder']> {
  const { cidVersion } = fileOptions
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
          const cid = await persist(bytes, cidVersion, store)
          return { cid, size: BigInt(bytes.length), path, unixfs }
        }
        continue
      }
      if (entry.kind === 'symlink') {
        yield async () => {
          const unixfs = new UnixFS({ type: 'symlink', data: new TextEncoder().encode(entry.target ?? '') })
          const bytes = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [] }))
          const cid = await persist(bytes, cidVersion, store)
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

/**
 * Imports one group; returns its root, the links of every block written (for pinning) and its
 * events, `{Name, Hash, Size}` per file and directory: the caller emits them once the blocks are
 * committed (and pinned), so a client never reads a CID the repo does not hold.
 */
export async function importGroup(
  ctx: CommandContext,
  settings: AddSettings,
  group: Group,
): Promise<{ root: ImportResult; links: Map<string, CID[]>; events: Array<Record<string, unknown>> }> {
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
        links.set(
          cid.toString(),
          node.Links.map((l) => l.Hash),
        )
        if (isDirectoryNode(node)) dirBlocks.set(cid.toString(), block)
      } else {
        links.set(cid.toString(), [])
      }
      if (!settings.onlyHash) await blockstore.put(cid, block, { signal })
      return cid
    },
  }
  // Kubo's settings for this request's flags; wrapping applies to the whole group, never to one file
  const fileOptions: KuboAddOptions = { ...kuboAddOptions(settings.flags), blockWriteConcurrency: ADD_BLOCK_WRITE_CONCURRENCY }
  const options: ImporterOptions = {
    ...fileOptions,
    wrapWithDirectory: settings.wrap,
    // entries come from one socket in order: import them one at a time
    fileImportConcurrency: 1,
    dagBuilder: dagBuilder(ctx, settings, fileOptions),
  }
  const candidates = (async function* () {
    for await (const entry of group.entries) yield { path: entry.path, entry } as unknown as ImportCandidate
  })()
  let root: ImportResult | undefined
  const events: Array<Record<string, unknown>> = []
  const unnamed = group.root === '' && !settings.wrap
  for await (const result of importer(candidates, store, options)) {
    const path = result.path ?? ''
    if (result.unixfs?.isDirectory() === true) {
      if (path === group.root) root = result
      continue
    }
    if (!settings.silent) events.push(addEvent(ctx, group, path, result.cid, result.size))
    if (unnamed || path === group.root) root = result
  }
  if (root === undefined) {
    if (settings.wrap) throw KuboApiError.command('add: no root produced')
    throw KuboApiError.command('expected a file argument')
  }
  if (root.unixfs?.isDirectory() === true) {
    for (const dir of directoryEvents({ name: group.root, cid: root.cid, size: root.size }, dirBlocks)) {
      events.push(addEvent(ctx, group, dir.name, dir.cid, dir.size))
    }
  }
  return { root, links, events }
}
