/**
 * A lean client for the Kubo RPC API (a Kubo node, a crust-ts IPFS node, or a W3Auth gateway in
 * front of one): the commands crust-ts uses, on fetch, with `add` streamed over node:http (see
 * `add.ts`). Every failure is a {@link KuboError} (or `SDK_ERROR_ABORTED` when the signal fired).
 */
import type { CID } from 'multiformats/cid'
import { DEFAULT_IPFS_API } from '../constants.js'
import { KuboError } from '../errors.js'
import { KUBO_NOT_PINNED } from './constants.js'
import { type AddedEntry, type AddPart, type KuboAddOptions, kuboAdd } from './add.js'
import { answerError, apiUrl, streamError, transportError } from './http.js'
import { ndjson } from './ndjson.js'

export interface KuboClientInit {
  /** Base URL, e.g. `http://127.0.0.1:5001` (the client appends `/api/v0`; default the local node). */
  url?: string
  /** Sent with every request, e.g. `{ authorization: 'Basic …' }` for a W3Auth gateway. */
  headers?: Record<string, string>
}

export interface KuboOptions {
  signal?: AbortSignal
}

export interface PinAddOptions extends KuboOptions {
  /** Pin the whole DAG (Kubo's default) or the root block only. Sent only when given. */
  recursive?: boolean
  /** Streams `{Progress}` lines: called with the blocks walked so far, whenever the count grows. */
  progress?: (blocks: number) => void
}

export interface PinAddResult {
  /** The pinned CIDs as Kubo names them. */
  pins: string[]
  /** Blocks walked (with `progress`; 0 without). */
  blocks: number
}

export interface PinRmOptions extends KuboOptions {
  recursive?: boolean
}

export interface PinLsOptions extends KuboOptions {
  /** Only these CIDs or paths (all pins without). */
  paths?: string[]
  type?: 'all' | 'direct' | 'indirect' | 'recursive'
}

export interface PinLsEntry {
  cid: string
  type: string
}

/** `files/stat` of a path: sizes in bytes. */
export interface FilesStat {
  hash: string
  size: number
  cumulativeSize: number
  blocks: number
  type: string
}

/** One peer's retrieval score on the asked node (crust-ts's `RetrievalScores` in `stats/bitswap`). */
export interface RetrievalScore {
  peer: string
  /** 1 for the best-scored peer the node has fetched from. */
  rank: number
  score: number
  successes: number
  failures: number
  bytes: number
  /** Blocks it sent that hashed to nothing the node asked for (corrupted or unasked). */
  wrongBlocks: number
  meanLatencyMs: number
}

/** `stats/bitswap`: what the node received, and how it ranks the peers it fetched from (best first). */
export interface BitswapStat {
  peers: string[]
  blocksReceived: number
  dataReceived: number
  /** Empty from a Kubo node, which keeps no such scores. */
  retrievalScores: RetrievalScore[]
}

/** The commands, grouped as Kubo (and kubo-rpc-client) names them. */
export interface KuboClient {
  readonly url: string
  /** `add` of files and folders read from disk, streamed; the response's entries, the root last. */
  add(parts: AddPart[], options?: KuboAddOptions): Promise<AddedEntry[]>
  pin: {
    add(cid: string | CID, options?: PinAddOptions): Promise<PinAddResult>
    /** `removed`, or `notPinned` when Kubo says the CID is not pinned (or only indirectly). */
    rm(cid: string | CID, options?: PinRmOptions): Promise<'removed' | 'notPinned'>
    ls(options?: PinLsOptions): Promise<PinLsEntry[]>
  }
  files: {
    stat(path: string, options?: KuboOptions): Promise<FilesStat>
  }
  block: {
    get(cid: string | CID, options?: KuboOptions): Promise<Uint8Array>
  }
  swarm: {
    /** Connects to each multiaddr (with `/p2p/<peer id>`); Kubo's lines, one per address. */
    connect(addrs: string | string[], options?: KuboOptions): Promise<string[]>
  }
  stats: {
    bitswap(options?: KuboOptions): Promise<BitswapStat>
  }
}

export type CreateKuboClientReturnType = KuboClient

class DefaultKuboClient implements KuboClient {
  readonly url: string
  private readonly headers: Record<string, string> | undefined

  constructor(init: KuboClientInit) {
    this.url = (init.url ?? DEFAULT_IPFS_API).replace(/\/+$/, '')
    this.headers = init.headers
  }

  add(parts: AddPart[], options: KuboAddOptions = {}): Promise<AddedEntry[]> {
    return kuboAdd(this.url, parts, { ...options, ...(this.headers === undefined ? {} : { headers: this.headers }) }).catch((err: unknown) => {
      throw transportError(this.url, 'add', err, options.signal)
    })
  }

  /** POSTs a command; the 200 response, or a {@link KuboError}. */
  private async post(command: string, params: Array<[string, string]>, signal: AbortSignal | undefined): Promise<Response> {
    let res: Response
    try {
      res = await fetch(apiUrl(this.url, command, params), {
        method: 'POST',
        ...(this.headers === undefined ? {} : { headers: this.headers }),
        ...(signal === undefined ? {} : { signal }),
      })
    } catch (err) {
      throw transportError(this.url, command, err, signal)
    }
    if (res.ok) return res
    const body = await res.text().catch(() => '')
    throw answerError(this.url, command, res.status, body)
  }

  private async json<T>(command: string, params: Array<[string, string]>, signal: AbortSignal | undefined): Promise<T> {
    const res = await this.post(command, params, signal)
    try {
      return JSON.parse(await res.text()) as T
    } catch (err) {
      throw transportError(this.url, command, err, signal)
    }
  }

  readonly pin = {
    add: async (cid: string | CID, options: PinAddOptions = {}): Promise<PinAddResult> => {
      const params: Array<[string, string]> = [['arg', cid.toString()]]
      if (options.recursive !== undefined) params.push(['recursive', String(options.recursive)])
      if (options.progress === undefined) {
        const out = await this.json<{ Pins?: string[] }>('pin/add', params, options.signal)
        return { pins: out.Pins ?? [], blocks: 0 }
      }
      params.push(['progress', 'true'])
      const res = await this.post('pin/add', params, options.signal)
      if (res.body === null) throw streamError(this.url, 'pin/add', 'answered without a body')
      let blocks = 0
      try {
        for await (const value of ndjson(res.body)) {
          const line = value as { Progress?: number; Pins?: string[]; Type?: string; Message?: string }
          if (line.Type === 'error') throw streamError(this.url, 'pin/add', line.Message ?? 'pin failed')
          if (typeof line.Progress === 'number' && line.Progress > blocks) {
            blocks = line.Progress
            options.progress(blocks)
          }
          if (Array.isArray(line.Pins)) return { pins: line.Pins, blocks }
        }
      } catch (err) {
        throw transportError(this.url, 'pin/add', err, options.signal)
      } finally {
        // ends the request if we stopped reading early
        await res.body.cancel().catch(() => {})
      }
      // Kubo reports an error after output in a trailer, which fetch does not expose.
      throw streamError(this.url, 'pin/add', 'ended without pinning')
    },
    rm: async (cid: string | CID, options: PinRmOptions = {}): Promise<'removed' | 'notPinned'> => {
      const params: Array<[string, string]> = [['arg', cid.toString()]]
      if (options.recursive !== undefined) params.push(['recursive', String(options.recursive)])
      try {
        const res = await this.post('pin/rm', params, options.signal)
        await res.body?.cancel()
        return 'removed'
      } catch (err) {
        // Kubo's own wording is its protocol: that is how a client tells "not pinned" apart.
        if (err instanceof KuboError && err.detail.includes(KUBO_NOT_PINNED)) return 'notPinned'
        throw err
      }
    },
    ls: async (options: PinLsOptions = {}): Promise<PinLsEntry[]> => {
      const params: Array<[string, string]> = (options.paths ?? []).map((p) => ['arg', p])
      if (options.type !== undefined) params.push(['type', options.type])
      const out = await this.json<{ Keys?: Record<string, { Type: string }> }>('pin/ls', params, options.signal)
      return Object.entries(out.Keys ?? {}).map(([cid, v]) => ({ cid, type: v.Type }))
    },
  }

  readonly files = {
    stat: async (path: string, options: KuboOptions = {}): Promise<FilesStat> => {
      const out = await this.json<{ Hash?: string; Size?: number; CumulativeSize?: number; Blocks?: number; Type?: string }>(
        'files/stat',
        [['arg', path]],
        options.signal,
      )
      if (typeof out.CumulativeSize !== 'number') throw streamError(this.url, 'files/stat', 'files/stat gave no CumulativeSize')
      return { hash: out.Hash ?? '', size: out.Size ?? 0, cumulativeSize: out.CumulativeSize, blocks: out.Blocks ?? 0, type: out.Type ?? '' }
    },
  }

  readonly block = {
    get: async (cid: string | CID, options: KuboOptions = {}): Promise<Uint8Array> => {
      const res = await this.post('block/get', [['arg', cid.toString()]], options.signal)
      try {
        return new Uint8Array(await res.arrayBuffer())
      } catch (err) {
        throw transportError(this.url, 'block/get', err, options.signal)
      }
    },
  }

  readonly swarm = {
    connect: async (addrs: string | string[], options: KuboOptions = {}): Promise<string[]> => {
      const list = typeof addrs === 'string' ? [addrs] : addrs
      const out = await this.json<{ Strings?: string[] }>(
        'swarm/connect',
        list.map((a) => ['arg', a]),
        options.signal,
      )
      return out.Strings ?? []
    },
  }

  readonly stats = {
    bitswap: async (options: KuboOptions = {}): Promise<BitswapStat> => {
      const out = await this.json<BitswapStatAnswer>('stats/bitswap', [], options.signal)
      return { peers: out.Peers ?? [], blocksReceived: out.BlocksReceived ?? 0, dataReceived: out.DataReceived ?? 0, retrievalScores: retrievalScores(out) }
    },
  }
}

interface BitswapStatAnswer {
  Peers?: string[] | null
  BlocksReceived?: number
  DataReceived?: number
  RetrievalScores?: Array<{
    Peer?: string
    Score?: number
    Successes?: number
    Failures?: number
    Bytes?: number
    WrongBlocks?: number
    MeanLatencyMs?: number
  }> | null
}

/** The answer's scores ranked by score, best first (the node sends them so; a server's order is not trusted). */
function retrievalScores(answer: BitswapStatAnswer): RetrievalScore[] {
  return (answer.RetrievalScores ?? [])
    .filter((s) => typeof s.Peer === 'string' && typeof s.Score === 'number' && Number.isFinite(s.Score))
    .map((s) => ({
      peer: s.Peer!,
      score: s.Score!,
      successes: s.Successes ?? 0,
      failures: s.Failures ?? 0,
      bytes: s.Bytes ?? 0,
      wrongBlocks: s.WrongBlocks ?? 0,
      meanLatencyMs: s.MeanLatencyMs ?? 0,
    }))
    .sort((a, b) => b.score - a.score || (a.peer < b.peer ? -1 : 1))
    .map((s, i) => ({ ...s, rank: i + 1 }))
}

/** A client of the Kubo RPC API at `init.url` (or the URL given as a string). */
export function createKuboClient(init: KuboClientInit | string = {}): CreateKuboClientReturnType {
  return new DefaultKuboClient(typeof init === 'string' ? { url: init } : init)
}
