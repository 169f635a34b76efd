/**
 * Finishes a file's content root from its hashed leaves ({@link FileHasher}) and the DAG the IPFS
 * node made: walks the DAG from its root, reading only the inner blocks (a few KiB per 174 leaves),
 * each checked against its CID, and feeds the content tree in content order (inner blocks as
 * bytes, runs of leaves as their hashed pieces). Every leaf link must name the leaf hashed at that
 * place (same CID, so the same bytes) at its predicted offset; anything else (a node with other
 * add settings, a file that changed while read) makes it give up (undefined), never guess.
 */
import { hash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { storageProof } from '@crust-ts/protocol'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { KuboClient } from '../kubo/index.js'
import { SHA2_256_CODE } from './constants.js'
import type { FileHashes } from './file-hasher.js'
import type { DagLeafLayout } from './layout.js'

export interface AssembleFileRootParameters {
  /** The root CID the add returned. */
  cid: string
  /** The file bytes the layout was made for (a folder's: all its files'). */
  size: number
  layout: DagLeafLayout
  /** The hashes of those bytes; `runs` in any order (they are taken by content offset). */
  hashes: FileHashes
  kubo: Pick<KuboClient, 'block'>
  signal?: AbortSignal
}

class Mismatch extends Error {}

/** UnixFS `Type: Directory` (field 1 of a directory's Data: 0x08 0x01). */
const UNIXFS_DIRECTORY = 0x01

function leafCid(layout: DagLeafLayout, digest: Uint8Array): CID {
  const mh = createDigest(SHA2_256_CODE, digest)
  if (layout.rawLeaves) return CID.createV1(raw.code, mh)
  return layout.cidVersion === 0 ? CID.createV0(mh) : CID.createV1(dagPb.code, mh)
}

/** The content root of the file's DAG, or undefined when the DAG is not the one predicted. */
export async function assembleFileRoot(params: AssembleFileRootParameters): Promise<storageProof.ContentCommitment | undefined> {
  const { layout, size } = params
  if (params.hashes.bytes !== size) return undefined
  // In content order; an empty raw leaf's run (no bytes) comes before the run that starts where it is.
  const hashes = { ...params.hashes, runs: [...params.hashes.runs].sort((a, b) => a.offset - b.offset || a.length - b.length) }
  const leaves = layout.leafOffsets.length
  const builder = new storageProof.ContentTreeBuilder()
  let pos = 0
  let fed = 0
  let nextLeaf = 0
  let nextRun = 0
  const expected = (i: number) => leafCid(layout, hashes.leafDigests.subarray(i * 32, (i + 1) * 32))
  /** An inner block, checked against its CID (fetched ahead; fed in order by {@link feedInner}). */
  const fetchInner = async (cid: CID): Promise<{ bytes: Uint8Array; node: dagPb.PBNode }> => {
    if (cid.code !== dagPb.code || cid.multihash.code !== SHA2_256_CODE) throw new Mismatch()
    const bytes = await params.kubo.block.get(cid, params.signal === undefined ? {} : { signal: params.signal })
    if (!Buffer.from(hash('sha256', bytes, 'buffer')).equals(cid.multihash.digest)) throw new Mismatch()
    const node = dagPb.decode(bytes)
    // Only an empty folder's directory block may have no links (a leaf that is not the one hashed must not pass as inner).
    if (node.Links.length === 0 && !(node.Data?.[0] === 0x08 && node.Data[1] === UNIXFS_DIRECTORY)) throw new Mismatch()
    return { bytes, node }
  }
  const feedInner = (bytes: Uint8Array) => {
    if (pos !== fed) throw new Mismatch()
    builder.update(bytes)
    pos += bytes.length
    fed = pos
  }
  const visitLeaf = (i: number) => {
    if (pos !== layout.leafOffsets[i]) throw new Mismatch()
    const run = hashes.runs[nextRun]
    if (run !== undefined && run.offset === pos) {
      if (fed !== pos) throw new Mismatch()
      builder.update(run.head).pushSubtrees(run.subtrees).update(run.tail)
      fed += run.length
      nextRun++
    }
    pos += layout.leafLengths[i]!
    if (pos > fed) throw new Mismatch()
  }
  try {
    const root = CID.parse(params.cid)
    // Depth-first; each inner node's inner children are fetched together, the leaves are never read
    // (in a folder a directory's links mix leaves, files' parents and folders, in any order).
    const leafKeys = new Set<string>()
    for (let i = 0; i < leaves; i++) leafKeys.add(expected(i).toString())
    const visit = async (cid: CID, fetched: ReturnType<typeof fetchInner> | undefined): Promise<void> => {
      if (nextLeaf < leaves && cid.equals(expected(nextLeaf))) {
        visitLeaf(nextLeaf++)
        return
      }
      const { bytes, node } = await (fetched ?? fetchInner(cid))
      feedInner(bytes)
      const links = node.Links.map((l) => l.Hash)
      const prefetched = links.map((l) => (leafKeys.has(l.toString()) ? undefined : fetchInner(l)))
      for (const p of prefetched) p?.catch(() => {})
      for (const [i, l] of links.entries()) await visit(l, prefetched[i])
    }
    await visit(root, undefined)
  } catch (err) {
    if (err instanceof Mismatch || err instanceof RangeError) return undefined
    throw err
  }
  if (nextLeaf !== leaves || nextRun !== hashes.runs.length || pos !== fed || pos !== layout.contentSize) return undefined
  const { root, size: contentSize } = builder.finish()
  return { root, size: contentSize }
}
