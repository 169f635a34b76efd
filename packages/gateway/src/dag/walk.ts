/**
 * Fetching a DAG block by block through the node's Kubo API (`block/get`: the node takes each block
 * from its store or from peers), so what a pin costs is measured on the blocks themselves, never on
 * what the root declares: the walk stops as soon as the distinct blocks pass the budget (or the
 * deadline fires), and the dag-pb `Tsize` of every link is checked against the real size of the
 * DAG under it. Afterwards every block is local, so `pin/add` takes nothing more from the network.
 */
import { createKuboClient, KuboError } from '@crust-ts/sdk'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { DagFetchError, DagFetchErrorCode } from './errors.js'

/** Blocks fetched at once by one walk. */
export const DEFAULT_DAG_FETCH_CONCURRENCY = 8
/** Distinct blocks one walk may hold (each costs a map entry and its links). */
export const DEFAULT_DAG_MAX_BLOCKS = 200_000

export interface FetchDagOptions {
  /** The node's Kubo API base URL. */
  ipfsApi: string
  /** Largest sum of distinct block bytes the walk may take in. */
  budget: number
  /** Distinct blocks (default {@link DEFAULT_DAG_MAX_BLOCKS}). */
  maxBlocks?: number
  /** Blocks in flight (default {@link DEFAULT_DAG_FETCH_CONCURRENCY}). */
  concurrency?: number
  /** Aborts the walk (the deadline of a pin, a stop). */
  signal?: AbortSignal
  /**
   * Called with each block's size and the running total before the walk goes on; a returned promise
   * holds the walk until it settles, a throw (or rejection) aborts it with that error.
   */
  onBytes?: (bytes: number, total: number) => void | Promise<void>
  /** Refuse a dag-pb link whose Tsize differs from the real size under it (default true). */
  verifyTsize?: boolean
}

export interface DagSize {
  /** Distinct blocks of the DAG. */
  blocks: number
  /** Sum of the distinct blocks' sizes: what the node holds for the DAG (and took in, if it was not local). */
  uniqueBytes: number
  /** Size of the DAG read as a tree (a block reached twice counts twice): an honest UnixFS root's `CumulativeSize`. */
  treeSize: number
  /** What the root declares: its own size plus its links' Tsizes (dag-pb); the tree size for other codecs. */
  declaredSize: number
}

interface Link {
  key: string
  tsize: number | undefined
}

interface WalkedBlock {
  size: number
  codec: number
  links: Link[]
}

const key = (cid: CID): string => cid.toV1().toString()

function cborLinks(value: unknown, out: CID[], depth = 0): void {
  if (depth > 256 || value === null || typeof value !== 'object') return
  const cid = CID.asCID(value)
  if (cid !== null) {
    out.push(cid)
    return
  }
  if (value instanceof Uint8Array) return
  for (const v of Array.isArray(value) ? value : Object.values(value)) cborLinks(v, out, depth + 1)
}

/** The links of a block: dag-pb with their Tsize, dag-cbor and dag-json without; raw has none. */
export function blockLinks(cid: CID, bytes: Uint8Array): Array<{ cid: CID; tsize: number | undefined }> {
  switch (cid.code) {
    case raw.code:
      return []
    case dagPb.code:
      return dagPb.decode(bytes).Links.map((l) => ({ cid: l.Hash, tsize: l.Tsize }))
    case dagCbor.code:
    case dagJson.code: {
      const found: CID[] = []
      cborLinks(cid.code === dagCbor.code ? dagCbor.decode(bytes) : dagJson.decode(bytes), found)
      return found.map((c) => ({ cid: c, tsize: undefined }))
    }
    default:
      throw new DagFetchError(DagFetchErrorCode.UNSUPPORTED_CODEC, `block ${cid} has codec 0x${cid.code.toString(16)}, whose links this gateway cannot read`, {
        cid: cid.toString(),
      })
  }
}

/** Tree sizes of every block, children first (iterative: DAGs can be deep). */
function treeSizes(blocks: Map<string, WalkedBlock>, rootKey: string): Map<string, number> {
  const sizes = new Map<string, number>()
  const stack: Array<[string, boolean]> = [[rootKey, false]]
  while (stack.length > 0) {
    const [k, expanded] = stack.pop()!
    if (sizes.has(k)) continue
    const block = blocks.get(k)!
    if (!expanded) {
      stack.push([k, true])
      for (const link of block.links) if (!sizes.has(link.key)) stack.push([link.key, false])
      continue
    }
    let total = block.size
    for (const link of block.links) total += sizes.get(link.key)!
    // Shared subtrees can make a tree astronomically large from a few blocks.
    sizes.set(k, Math.min(total, Number.MAX_SAFE_INTEGER))
  }
  return sizes
}

/**
 * Fetches every block of the DAG under `root` (through the node), within `budget` bytes, and sizes
 * it from the blocks. Throws {@link DagFetchError}: `BUDGET_EXCEEDED`, `TOO_MANY_BLOCKS`,
 * `TSIZE_MISMATCH` (a DAG larger than its root declares is stopped as soon as that shows),
 * `UNSUPPORTED_CODEC`, or `FETCH_FAILED`.
 */
export async function fetchDag(root: CID | string, options: FetchDagOptions): Promise<DagSize> {
  const rootCid = typeof root === 'string' ? CID.parse(root) : root
  const rootKey = key(rootCid)
  const kubo = createKuboClient({ url: options.ipfsApi })
  const maxBlocks = options.maxBlocks ?? DEFAULT_DAG_MAX_BLOCKS
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_DAG_FETCH_CONCURRENCY)
  const verify = options.verifyTsize ?? true
  const local = new AbortController()
  const signal = options.signal === undefined ? local.signal : AbortSignal.any([options.signal, local.signal])
  const blocks = new Map<string, WalkedBlock>()
  const seen = new Set<string>([rootKey])
  const queue: CID[] = [rootCid]
  let total = 0
  /** The root's declared tree size, once the root is read (dag-pb only). */
  let declared: number | undefined

  const fetchOne = async (cid: CID): Promise<void> => {
    let bytes: Uint8Array
    try {
      bytes = await kubo.block.get(cid, { signal })
    } catch (err) {
      if (options.signal?.aborted === true)
        throw new DagFetchError(
          DagFetchErrorCode.FETCH_FAILED,
          `fetching ${rootCid} stopped: ${String(options.signal.reason ?? 'aborted')}`,
          { cid: cid.toString() },
          { cause: err },
        )
      const detail = err instanceof KuboError ? err.detail : (err as Error).message
      throw new DagFetchError(DagFetchErrorCode.FETCH_FAILED, `block ${cid} could not be fetched: ${detail}`, { cid: cid.toString() }, { cause: err })
    }
    total += bytes.byteLength
    if (total > options.budget) {
      throw new DagFetchError(DagFetchErrorCode.BUDGET_EXCEEDED, `the DAG under ${rootCid} is larger than the fetch budget of ${options.budget} bytes`, {
        budget: options.budget,
      })
    }
    if (verify && declared !== undefined && total > declared) {
      throw new DagFetchError(
        DagFetchErrorCode.TSIZE_MISMATCH,
        `the DAG under ${rootCid} is larger than its root declares (${declared} bytes): its Tsizes are false`,
        { declared, fetched: total },
      )
    }
    await options.onBytes?.(bytes.byteLength, total)
    const links = blockLinks(cid, bytes)
    const k = key(cid)
    blocks.set(k, { size: bytes.byteLength, codec: cid.code, links: links.map((l) => ({ key: key(l.cid), tsize: l.tsize })) })
    if (k === rootKey && cid.code === dagPb.code) declared = links.reduce((n, l) => n + (l.tsize ?? 0), bytes.byteLength)
    for (const link of links) {
      const lk = key(link.cid)
      if (seen.has(lk)) continue
      seen.add(lk)
      if (seen.size > maxBlocks)
        throw new DagFetchError(DagFetchErrorCode.TOO_MANY_BLOCKS, `the DAG under ${rootCid} has more than ${maxBlocks} blocks`, { maxBlocks })
      queue.push(link.cid)
    }
  }

  await new Promise<void>((resolve, reject) => {
    let inflight = 0
    let failed = false
    const pump = () => {
      if (failed) return
      if (queue.length === 0 && inflight === 0) return resolve()
      while (inflight < concurrency && queue.length > 0) {
        const cid = queue.shift()!
        inflight++
        fetchOne(cid).then(
          () => {
            inflight--
            pump()
          },
          (err: unknown) => {
            if (failed) return
            failed = true
            local.abort()
            reject(err)
          },
        )
      }
    }
    pump()
  })

  const sizes = treeSizes(blocks, rootKey)
  if (verify) {
    for (const block of blocks.values()) {
      if (block.codec !== dagPb.code) continue
      for (const link of block.links) {
        const real = sizes.get(link.key)!
        if ((link.tsize ?? 0) !== real) {
          throw new DagFetchError(
            DagFetchErrorCode.TSIZE_MISMATCH,
            `a link to ${link.key} declares Tsize ${link.tsize ?? 'none'} but the DAG under it is ${real} bytes`,
            { cid: link.key, declared: link.tsize ?? null, real },
          )
        }
      }
    }
  }
  const treeSize = sizes.get(rootKey)!
  return { blocks: blocks.size, uniqueBytes: total, treeSize, declaredSize: declared ?? treeSize }
}
