/**
 * Adding a file or a folder to IPFS through a Kubo-compatible API (a node's API, or a W3Auth
 * gateway: the same API under another base URL, with an authorization header). Streamed: file
 * contents are read as the socket takes them, never held whole in memory.
 */
import { type Stats, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { DEFAULT_IPFS_API } from './constants.js'
import { KuboError, SdkError, throwIfAborted } from './errors.js'
import { type ContentRootReturnType, dagContentRoot } from './content-root.js'
import {
  assembleFileRoot,
  createFilesTee,
  type DagLeafLayout,
  FILE_ROOT_HASHINGS,
  type FileRootHashing,
  type FileTee,
  fileDagLayout,
  folderDagLayout,
  type TeeFiles,
} from './file-root/index.js'
import { type AddPart, createKuboClient } from './kubo/index.js'
import { assertOneOf } from './validate.js'

/** Where to reach the Kubo-compatible API. */
export interface IpfsEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:5001` (the client appends `/api/v0`). */
  ipfsApi?: string
  /** Extra request headers, e.g. `{ authorization: 'Basic …' }` for a W3Auth gateway. */
  headers?: Record<string, string>
}

/** Upload progress: bytes of file content sent so far, out of `total`. */
export interface AddProgress {
  bytes: number
  total: number
}

export interface AddToIpfsOptions extends IpfsEndpoint {
  onProgress?: (progress: AddProgress) => void
  /** CID version of the result (default 0, as Kubo and Crust's docs use). */
  cidVersion?: 0 | 1
  /** Pin what is added (default true). */
  pin?: boolean
  /**
   * Compute the DAG's content root for storage challenges (default true). It is hashed as the files
   * upload (same pass, on a worker thread for large uploads; only the DAG's inner blocks, folders'
   * included, are read back); a DAG the IPFS node laid out otherwise is read back from the IPFS API.
   */
  contentRoot?: boolean
  /** Where the content root is hashed (default `auto`: on a worker thread for large uploads on machines of 3 cores or more). */
  contentRootHashing?: FileRootHashing
  signal?: AbortSignal
}

export interface AddToIpfsReturnType {
  /** The root CID: the file's, or the folder's (its `index.html` serves at `/ipfs/<cid>/`). */
  cid: string
  /** The DAG's size (`files/stat` `CumulativeSize`): the size a storage order needs. */
  cumulativeSize: number
  /** The file or folder name. */
  name: string
  isDirectory: boolean
  /** Bytes of file content. */
  bytes: number
  /** The content root to order with (`placeOrder`'s `root`), unless `contentRoot: false`. */
  contentRoot?: ContentRootReturnType
}
export type AddToIpfsErrorType = SdkError

interface Entry {
  path: string
  file?: string
  size: number
}

/** Stats a path, or fails with `SDK_ERROR_NO_SUCH_FILE`. */
export function statPath(path: string): Stats {
  try {
    return statSync(path)
  } catch (err) {
    throw new SdkError('SDK_ERROR_NO_SUCH_FILE', `${path}: no such file or directory`, { path }, { cause: err })
  }
}

/** The files and folders under `root` (itself first), sorted by name; links and special files are skipped. */
async function listTree(root: string, rel: string, out: Entry[]): Promise<void> {
  out.push({ path: rel, size: 0 })
  const entries = await readdir(root, { withFileTypes: true })
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    const full = join(root, e.name)
    if (e.isDirectory()) await listTree(full, `${rel}/${e.name}`, out)
    else if (e.isFile()) out.push({ path: `${rel}/${e.name}`, file: full, size: statSync(full).size })
  }
}

/**
 * The total size of what `path` holds (file content bytes, following the same walk as
 * {@link addToIpfs}). A DAG is never smaller, so this bounds its cumulative size from below.
 */
export async function contentSize(path: string): Promise<number> {
  const st = statPath(path)
  if (!st.isDirectory()) return st.size
  const entries: Entry[] = []
  await listTree(path, basename(resolve(path)), entries)
  return entries.reduce((sum, e) => sum + e.size, 0)
}

/** Explains a failed IPFS API call in one line. */
export function ipfsError(url: string, err: unknown): SdkError {
  if (err instanceof KuboError && err.code === 'SDK_ERROR_IPFS_UNREACHABLE') {
    return new SdkError(
      'SDK_ERROR_IPFS_UNREACHABLE',
      `no IPFS API answers at ${url}: start one with \`crust ipfs daemon\` or pass --api`,
      { url },
      { cause: err.cause },
    )
  }
  if (err instanceof SdkError) return err
  const message = err instanceof Error ? err.message : String(err)
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : ''
  if (/ECONNREFUSED|fetch failed|ENOTFOUND|EHOSTUNREACH/.test(`${message} ${cause}`)) {
    return new SdkError(
      'SDK_ERROR_IPFS_UNREACHABLE',
      `no IPFS API answers at ${url}: start one with \`crust ipfs daemon\` or pass --api`,
      { url },
      { cause: err },
    )
  }
  return new SdkError('SDK_ERROR_IPFS', `IPFS API ${url}: ${message}`, { url }, { cause: err })
}

/** What the upload's tee hashes (its files in the order sent) and the DAG layout it predicts; undefined when none can be predicted. */
function teeFiles(entries: Entry[], isDirectory: boolean, cidVersion: 0 | 1): { files: TeeFiles; layout: DagLeafLayout } | undefined {
  const settings = { cidVersion, rawLeaves: cidVersion === 1 }
  if (!isDirectory) {
    const layout = fileDagLayout(entries[0]!.size, settings)
    return { files: { files: [{ layout, size: entries[0]!.size, firstLeaf: 0 }], leaves: layout.leafOffsets.length }, layout }
  }
  let layout: ReturnType<typeof folderDagLayout>
  try {
    layout = folderDagLayout(
      entries.map((e) => (e.file === undefined ? { path: e.path } : { path: e.path, size: e.size })),
      settings,
    )
  } catch {
    return undefined
  }
  const files = entries.flatMap((e, i) => (e.file === undefined ? [] : [{ layout: layout.files[i]!, size: e.size, firstLeaf: layout.firstLeaf[i]! }]))
  return { files: { files, leaves: layout.leafOffsets.length }, layout }
}

/**
 * Adds a file, or a folder with everything under it, and returns the root CID with the DAG's
 * cumulative size. A folder becomes a UnixFS directory named after it, so its `index.html`
 * serves at `/ipfs/<cid>/`.
 */
export async function addToIpfs(path: string, options: AddToIpfsOptions = {}): Promise<AddToIpfsReturnType> {
  const url = options.ipfsApi ?? DEFAULT_IPFS_API
  const cidVersion = options.cidVersion ?? 0
  assertOneOf('cidVersion', cidVersion, [0, 1] as const)
  if (options.contentRootHashing !== undefined) assertOneOf('contentRootHashing', options.contentRootHashing, FILE_ROOT_HASHINGS)
  const st = statPath(path)
  const name = basename(resolve(path))
  const entries: Entry[] = []
  if (st.isDirectory()) await listTree(path, name, entries)
  else entries.push({ path: name, file: path, size: st.size })
  const total = entries.reduce((sum, e) => sum + e.size, 0)
  throwIfAborted(options.signal)

  let sent = 0
  const parts: AddPart[] = entries.map((e) => (e.file === undefined ? { path: e.path } : { path: e.path, file: e.file }))
  // The root is hashed from the bytes as they are sent (Kubo: CIDv1 implies raw leaves).
  const teed = options.contentRoot !== false ? teeFiles(entries, st.isDirectory(), cidVersion) : undefined
  let tee: FileTee | undefined
  if (teed !== undefined) {
    const filesTee = createFilesTee(teed.files, options.contentRootHashing === undefined ? {} : { hashing: options.contentRootHashing })
    tee = filesTee
    for (const part of parts) if (part.file !== undefined) part.onChunk = (chunk) => filesTee.update(chunk)
  }
  const kubo = createKuboClient({ url, ...(options.headers === undefined ? {} : { headers: options.headers }) })
  const signal = options.signal === undefined ? {} : { signal: options.signal }
  try {
    const added = await kubo.add(parts, {
      ...signal,
      cidVersion,
      pin: options.pin ?? true,
      progress: (bytes) => {
        sent = bytes
        options.onProgress?.({ bytes: sent, total })
      },
    })
    const root = added.find((a) => a.Name === name)?.Hash
    if (root === undefined) throw new SdkError('SDK_ERROR_IPFS', `IPFS API ${url}: the add returned no entry for ${name}`, { url })
    const { cumulativeSize } = await kubo.files.stat(`/ipfs/${root}`, signal)
    if (sent < total) options.onProgress?.({ bytes: total, total })
    const hashes = await tee?.finish()
    const assembled =
      teed === undefined || hashes === undefined ? undefined : await assembleFileRoot({ cid: root, size: total, layout: teed.layout, hashes, kubo, ...signal })
    const contentRoot =
      options.contentRoot === false
        ? undefined
        : assembled !== undefined
          ? { root: `0x${Buffer.from(assembled.root).toString('hex')}`, size: assembled.size }
          : await dagContentRoot({ cid: root, ipfsApi: url, ...signal, ...(options.headers === undefined ? {} : { headers: options.headers }) })
    return { cid: root, cumulativeSize, name, isDirectory: st.isDirectory(), bytes: total, ...(contentRoot === undefined ? {} : { contentRoot }) }
  } catch (err) {
    throwIfAborted(options.signal)
    throw ipfsError(url, err)
  } finally {
    tee?.close()
  }
}
