/**
 * Where each file of a folder's DAG sits in the folder's content, predicted from the names and
 * sizes alone, as {@link fileDagLayout} does for one file: the IPFS node makes each folder a flat
 * UnixFS directory block (links sorted by name bytes, each with a fixed-length CID and its child's
 * cumulative size) followed, depth-first, by its children's DAGs, so every directory block's length
 * and every file's offset are known before a byte is sent. A folder the node lays out otherwise (a
 * sharded directory, mode or mtime attached, an empty folder) is caught when the DAG is walked.
 */
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { SHA2_256_CODE } from './constants.js'
import { type DagLeafLayout, type FileDagLayout, type FileDagSettings, fileDagLayout } from './layout.js'

/** UnixFS `Type: Directory`, as the node's importer marshals a plain directory. */
const UNIXFS_DIRECTORY_DATA = Uint8Array.of(0x08, 0x01)
const ZERO = createDigest(SHA2_256_CODE, new Uint8Array(32))

/** One entry of the upload: a folder (no size) or a file, by its `/`-separated path (the root folder's name first). */
export interface FolderEntry {
  path: string
  /** File bytes; undefined for a folder. */
  size?: number
}

/** A folder's DAG as its content sees it: its leaves in content order, and each file's own layout (offsets in the folder's content). */
export interface FolderDagLayout extends DagLeafLayout {
  /** Per entry given (undefined for folders): the file's layout, its leaf offsets shifted to the folder's content. */
  files: Array<FileDagLayout | undefined>
  /** Per entry given: the index of its first leaf in the content-ordered leaves (undefined for folders). */
  firstLeaf: Array<number | undefined>
}

interface Dir {
  children: Map<string, Dir | number>
}

const byNameBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/**
 * The layout of the DAG `ipfs add` makes of these entries (a folder upload: the first entry is the
 * root folder, every other path lies under it). Throws RangeError for entries that do not form one tree.
 */
export function folderDagLayout(entries: FolderEntry[], settings: FileDagSettings): FolderDagLayout {
  const rootName = entries[0]?.path
  if (rootName === undefined || entries[0]!.size !== undefined || rootName.includes('/')) throw new RangeError('the first entry is the root folder')
  const root: Dir = { children: new Map() }
  const fileLayouts = entries.map((e) => (e.size === undefined ? undefined : fileDagLayout(e.size, settings)))
  for (const [i, e] of entries.entries()) {
    if (i === 0) continue
    const parts = e.path.split('/')
    if (parts[0] !== rootName || parts.length < 2) throw new RangeError(`${e.path} is not under ${rootName}`)
    let dir = root
    for (const name of parts.slice(1, -1)) {
      let next = dir.children.get(name)
      if (next === undefined) dir.children.set(name, (next = { children: new Map() }))
      if (typeof next === 'number') throw new RangeError(`${e.path}: a file is used as a folder`)
      dir = next
    }
    const name = parts[parts.length - 1]!
    if (e.size === undefined) {
      if (!dir.children.has(name)) dir.children.set(name, { children: new Map() })
    } else dir.children.set(name, i)
  }
  const dirCid = settings.cidVersion === 0 ? CID.createV0(ZERO) : CID.createV1(dagPb.code, ZERO)
  const fileCid = (i: number) => (fileLayouts[i]!.leafOffsets.length === 1 && settings.rawLeaves ? CID.createV1(0x55, ZERO) : dirCid)
  // Cumulative sizes first (a directory's link carries its child's), then the walk in content order.
  const cumulative = new Map<Dir, { size: number; block: number; order: Array<[string, Dir | number]> }>()
  const measure = (dir: Dir): number => {
    const order = [...dir.children.entries()].sort(([a], [b]) => byNameBytes(a, b))
    const links = order.map(([name, child]) => ({
      Hash: typeof child === 'number' ? fileCid(child) : dirCid,
      Name: name,
      Tsize: typeof child === 'number' ? fileLayouts[child]!.contentSize : measure(child),
    }))
    const block = dagPb.encode(dagPb.prepare({ Data: UNIXFS_DIRECTORY_DATA, Links: links })).length
    const size = block + links.reduce((sum, l) => sum + l.Tsize, 0)
    cumulative.set(dir, { size, block, order })
    return size
  }
  const contentSize = measure(root)
  const files: Array<FileDagLayout | undefined> = entries.map(() => undefined)
  const firstLeaf: Array<number | undefined> = entries.map(() => undefined)
  const leafOffsets: number[] = []
  const leafLengths: number[] = []
  let offset = 0
  const walk = (dir: Dir) => {
    const { block, order } = cumulative.get(dir)!
    offset += block
    for (const [, child] of order) {
      if (typeof child !== 'number') {
        walk(child)
        continue
      }
      const own = fileLayouts[child]!
      const base = offset
      files[child] = { ...own, leafOffsets: own.leafOffsets.map((o) => o + base) }
      firstLeaf[child] = leafOffsets.length
      for (const [j, o] of own.leafOffsets.entries()) {
        leafOffsets.push(o + base)
        leafLengths.push(own.leafLengths[j]!)
      }
      offset += own.contentSize
    }
  }
  walk(root)
  return { leafOffsets, leafLengths, contentSize, rawLeaves: settings.rawLeaves, cidVersion: settings.cidVersion, files, firstLeaf }
}
