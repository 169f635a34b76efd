/**
 * Content paths as Kubo's `cmdutils.PathOrCidPath` accepts them (`/ipfs/<cid>/a/b`, `ipfs://<cid>`,
 * a bare `<cid>[/a/b]`), and their resolution through UnixFS directories (HAMT shards included)
 * and IPLD links, with the unresolved in-block remainder for `dag/get`.
 */
import { NotFoundError, resolvers } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import type { CommandBlocks } from './blocks.js'
import { KuboApiError } from './errors.js'

export interface ContentPath {
  root: CID
  /** Path below the root CID. */
  segments: string[]
  /** The argument as the client gave it (error messages quote it). */
  text: string
}

const SCHEMES = ['ipfs', 'ipns', 'ipld']

function normalizeScheme(str: string): string {
  for (const ns of SCHEMES) {
    if (str.length > ns.length && str[ns.length] === ':' && str.slice(0, ns.length).toLowerCase() === ns) {
      return `/${ns}/${str.slice(ns.length + 1).replace(/^\/\//, '')}`
    }
  }
  return str
}

function invalidPath(text: string, reason: string): KuboApiError {
  return KuboApiError.command(`invalid path ${JSON.stringify(text)}: ${reason}`)
}

function parseCid(text: string, str: string): CID {
  try {
    return CID.parse(str)
  } catch (err) {
    throw invalidPath(text, `invalid cid: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function fromSegments(text: string, path: string): ContentPath {
  const segments = path.split('/').filter((s) => s !== '')
  if (!path.startsWith('/') || segments.length < 2) throw invalidPath(text, 'path does not have enough components')
  const [namespace, root, ...rest] = segments
  if (namespace === 'ipfs' || namespace === 'ipld') return { root: parseCid(text, root!), segments: rest, text }
  if (namespace === 'ipns') throw invalidPath(text, 'IPNS paths are not supported by this node')
  throw invalidPath(text, `unknown namespace: ${JSON.stringify(namespace)}`)
}

/** Parses a path argument; throws Kubo's `invalid path "...": ...` error (500). */
export function parseContentPath(text: string): ContentPath {
  const normalized = normalizeScheme(text)
  if (normalized.startsWith('/')) return fromSegments(text, normalized)
  if (normalized.length === 0) throw invalidPath(text, 'path does not have enough components')
  return fromSegments(text, `/ipfs/${normalized}`)
}

export interface Resolved {
  cid: CID
  /** Path left inside the last block (IPLD fields of a dag-cbor/dag-json node, or names under a file). */
  remainder: string[]
}

/** Follows a path to the last CID it reaches (Kubo's `api.ResolvePath`). */
export async function resolveContentPath(blocks: CommandBlocks, path: ContentPath, signal: AbortSignal): Promise<Resolved> {
  let cid = path.root
  let rest = path.segments
  while (rest.length > 0) {
    const resolver = resolvers[cid.code]
    if (resolver === undefined) return { cid, remainder: rest }
    let next: { cid: CID; rest: string[] } | undefined
    try {
      for await (const step of resolver(cid, rest, blocks, { signal })) next = step
    } catch (err) {
      if (err instanceof NotFoundError) throw KuboApiError.command(`no link named ${JSON.stringify(rest[0])} under ${cid}`, err)
      throw err
    }
    if (next === undefined || next.cid.equals(cid)) return { cid, remainder: rest }
    cid = next.cid
    rest = next.rest
  }
  return { cid, remainder: [] }
}

/** Resolves a path that must end on a block (UnixFS commands, pins). */
export async function resolveToCid(blocks: CommandBlocks, path: ContentPath, signal: AbortSignal): Promise<CID> {
  if (path.segments.length === 0) return path.root
  const { cid, remainder } = await resolveContentPath(blocks, path, signal)
  if (remainder.length > 0) throw KuboApiError.command(`no link named ${JSON.stringify(remainder[0])} under ${cid}`)
  return cid
}
