/**
 * The sWorker's HTTP API (default 127.0.0.1:12222, under /api/v0), with crust-sworker's endpoint
 * names and JSON shapes. Unlike Crust, where a patched IPFS pushes blocks, `storage/seal_start`
 * makes the worker pull the DAG from its IPFS node itself. Errors: `{status_code, message}`, plus a
 * stable `code` for the refusals of this API's own guard.
 *
 * Guard (against other local users' tools and, above all, web pages the operator visits, which can
 * send "simple" cross-site POSTs to 127.0.0.1): a request with a browser `Origin` not in
 * `allowedOrigins` is refused (403); every POST needs `Authorization: Bearer <token>` (401) and an
 * `application/json` body (415). GETs (workload, id_info, file/info, file/info_by_type) read only
 * and stay open.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { statfsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { CID } from 'multiformats/cid'
import { listen } from '@crust-ts/base'
import { u8aToHex } from '@polkadot/util'
import type { Sworker } from '../node/index.js'
import { type FileRecord, SealError, SealErrorCode, type StoredSegmentProof } from '../seal/index.js'
import { SrdError, SrdErrorCode } from '../srd/index.js'
import { MAX_BODY_BYTES } from './constants.js'
import { SworkerApiErrorCode } from './errors.js'
import { resolveSworkerApiConfig, type SworkerApiConfig, type SworkerApiInit } from './options.js'

const GB = 1024 ** 3

class ApiFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly statusCode: number,
    message: string,
    readonly code?: string,
    readonly meta?: Record<string, unknown>,
  ) {
    super(message)
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest()

function parseCid(value: unknown): string {
  if (typeof value !== 'string') throw new ApiFailure(400, 11001, 'Invalid cid')
  try {
    return CID.parse(value).toString()
  } catch {
    throw new ApiFailure(400, 11001, 'Invalid cid')
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new ApiFailure(413, 413, 'Request body too large')
    chunks.push(chunk)
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object')
    return body as Record<string, unknown>
  } catch {
    throw new ApiFailure(400, 400, 'Wrong request body!')
  }
}

const fileInfo = (r: FileRecord) => ({
  type: r.status,
  size: r.size,
  s_size: r.sealedSize,
  c_block_num: r.cBlockNum,
  ...(r.contentRoot === undefined ? {} : { content_root: `0x${r.contentRoot}` }),
})

/** The HTTP answer to a prover's refusal; other errors stay 500s. */
function proofFailure(err: unknown): unknown {
  if (!(err instanceof SealError)) return err
  switch (err.code) {
    case SealErrorCode.NOT_FOUND:
      return new ApiFailure(404, 404, err.message, SworkerApiErrorCode.FILE_NOT_FOUND, err.meta)
    case SealErrorCode.SEGMENT_OUT_OF_RANGE:
      return new ApiFailure(400, 400, err.message, SworkerApiErrorCode.SEGMENT_OUT_OF_RANGE, err.meta)
    case SealErrorCode.NO_PROOF_DATA:
      return new ApiFailure(409, 409, err.message, SworkerApiErrorCode.NO_PROOF_DATA, err.meta)
    case SealErrorCode.SEALED_BLOCK_BAD:
      return new ApiFailure(409, 409, err.message, SworkerApiErrorCode.SEALED_DATA_BAD, err.meta)
    default:
      return err
  }
}

export class SworkerApi {
  private server: Server | undefined
  private readonly log
  private readonly config: SworkerApiConfig
  private readonly tokenDigest: Buffer

  constructor(
    private readonly sworker: Sworker,
    init: SworkerApiInit,
  ) {
    this.config = resolveSworkerApiConfig(init)
    this.log = this.config.logger.forComponent('sworker:api')
    if (this.config.token.length < 32) throw new TypeError('SworkerApi: the API token is too short (use loadOrCreateApiToken)')
    this.tokenDigest = digest(this.config.token)
  }

  async start(): Promise<{ host: string; port: number }> {
    const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err))
    })
    this.server = server
    const address = await listen(server, this.config.port, this.config.host)
    this.log.info({ host: address.address, port: address.port }, 'sworker api listening')
    return { host: address.address, port: address.port }
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  private sendBytes(res: ServerResponse, bytes: Uint8Array, blockCid?: string): void {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length,
      ...(blockCid === undefined ? {} : { 'x-block-cid': blockCid }),
    })
    res.end(bytes)
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (err instanceof ApiFailure) {
      if (err.httpStatus === 401) res.setHeader('www-authenticate', 'Bearer realm="sworker"')
      this.send(res, err.httpStatus, {
        status_code: err.statusCode,
        ...(err.code === undefined ? {} : { code: err.code }),
        message: err.message,
        ...(err.meta === undefined ? {} : { meta: err.meta }),
      })
      return
    }
    this.log.warn({ err }, 'sworker api error')
    this.send(res, 500, { status_code: 500, message: err instanceof Error ? err.message : 'Internal error' })
  }

  /** Refuses foreign browser origins on every request; POSTs also need the token and a JSON body. */
  private guard(req: IncomingMessage): void {
    const origin = req.headers.origin
    if (origin !== undefined && !this.config.allowedOrigins.includes(origin)) {
      throw new ApiFailure(403, 403, `Origin ${origin} may not call the sWorker API`, SworkerApiErrorCode.FORBIDDEN_ORIGIN)
    }
    if (req.method !== 'POST') return
    const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')
    if (match === null || !timingSafeEqual(digest(match[1]!), this.tokenDigest)) {
      throw new ApiFailure(
        401,
        401,
        match === null ? 'Missing "Authorization: Bearer <token>": the token is in the sWorker data folder (api-token)' : 'Wrong sWorker API token',
        SworkerApiErrorCode.UNAUTHORIZED,
      )
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json') {
      throw new ApiFailure(415, 415, `Content-Type must be application/json${type === '' ? '' : `, not ${type}`}`, SworkerApiErrorCode.UNSUPPORTED_MEDIA_TYPE)
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.guard(req)
    const url = new URL(req.url ?? '/', 'http://sworker')
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`
    const { sealer, srd, enclave } = this.sworker
    switch (route) {
      case 'GET /api/v0/workload': {
        const files = { lost: { num: 0, size: 0 }, pending: { num: 0, size: 0 }, valid: { num: 0, size: 0 } }
        for (const r of sealer.list()) {
          const bucket = files[r.status as keyof typeof files]
          if (bucket !== undefined) {
            bucket.num++
            bucket.size += r.size
          }
        }
        const fs = statfsSync(this.config.dataDir)
        const srdRoom = await srd.room()
        const available = (fs.bavail * fs.bsize) / GB
        return this.send(res, 200, {
          files,
          srd: {
            srd_complete: Number(srd.size()) / GB,
            srd_remaining_task: 0,
            srd_unit_size: srd.unitSize,
            srd_root: u8aToHex(srd.root()),
            disk_available_for_srd: Math.floor(Math.max(0, srdRoom.availableBytes - srdRoom.reserveBytes) / GB),
            disk_available: Math.floor(available),
            disk_volume: Math.floor((fs.blocks * fs.bsize) / GB),
            sys_disk_available: Math.floor(available),
          },
        })
      }
      case 'GET /api/v0/enclave/id_info':
        return this.send(res, 200, {
          mrenclave: u8aToHex(enclave.code).slice(2),
          pub_key: u8aToHex(enclave.publicKey).slice(2),
          sworker_version: this.config.version,
          version: 'crust-ts software enclave',
        })
      case 'GET /api/v0/file/info': {
        const cid = parseCid(url.searchParams.get('cid') ?? undefined)
        const record = sealer.get(cid)
        if (record === undefined) throw new ApiFailure(404, 404, 'File not found.')
        return this.send(res, 200, { [cid]: fileInfo(record) })
      }
      case 'GET /api/v0/file/info_by_type': {
        const type = url.searchParams.get('type') ?? 'all'
        if (!['all', 'pending', 'valid', 'lost'].includes(type)) throw new ApiFailure(400, 400, 'Invalid type: use all, pending, valid or lost')
        const pick = (status: string) =>
          Object.fromEntries(
            sealer
              .list()
              .filter((r) => r.status === status)
              .map((r) => [r.cid, fileInfo(r)]),
          )
        return this.send(res, 200, type === 'all' ? { lost: pick('lost'), pending: pick('pending'), valid: pick('valid') } : pick(type))
      }
      case 'POST /api/v0/storage/seal_start': {
        const cid = parseCid((await readJson(req)).cid)
        const existing = sealer.get(cid)
        if (existing?.status === 'valid') throw new ApiFailure(200, 8012, `File '${cid}' has been sealed`)
        const cBlockNum = await this.config.currentBlock()
        // Sealing runs on; `seal_end` and `file/info` tell how it went.
        sealer.seal(cid, this.config.blockSource, { cBlockNum }).then(
          (r) => this.log.info({ cid, size: r.size }, 'file sealed'),
          (err: unknown) => this.log.warn({ cid, err }, 'sealing failed'),
        )
        return this.send(res, 200, { status_code: 0, message: `Ready for sealing file '${cid}', waiting for file block` })
      }
      case 'POST /api/v0/storage/seal_end': {
        const cid = parseCid((await readJson(req)).cid)
        const record = sealer.get(cid)
        if (record?.status !== 'valid') throw new ApiFailure(400, 4001, `Seal file '${cid}' failed or is not finished`)
        return this.send(res, 200, { status_code: 200, message: `Seal file '${cid}' successfully` })
      }
      case 'POST /api/v0/storage/unseal': {
        // Crust's index path names one sealed block; ours is `<file cid>/<block index>`.
        const path = (await readJson(req)).path
        if (path === 'empty') return this.sendBytes(res, new Uint8Array(0))
        const match = typeof path === 'string' ? /^([^/]+)\/(\d{1,10})$/.exec(path) : null
        if (match === null) throw new ApiFailure(400, 400, 'Unseal data failed: path must be "<file cid>/<block index>"')
        const fileCid = parseCid(match[1])
        if (sealer.get(fileCid)?.status !== 'valid') throw new ApiFailure(404, 404, `File '${fileCid}' is not sealed here`)
        const block = sealer.verifyBlock(fileCid, Number(match[2]))
        if (block === undefined) throw new ApiFailure(400, 400, 'Unseal data failed')
        return this.sendBytes(res, block.bytes, block.cid.toString())
      }
      case 'POST /api/v0/storage/proof': {
        // A storage proof for a chain challenge: the segment and its Merkle path against the content root.
        const body = await readJson(req)
        const cid = parseCid(body.cid)
        const segment = body.segment
        if (typeof segment !== 'number' || !Number.isSafeInteger(segment) || segment < 0) {
          throw new ApiFailure(400, 400, 'segment must be a non-negative integer', SworkerApiErrorCode.SEGMENT_OUT_OF_RANGE, { segment })
        }
        let proved: StoredSegmentProof
        try {
          proved = await this.sworker.prover.prove(cid, segment)
        } catch (err) {
          throw proofFailure(err)
        }
        return this.send(res, 200, {
          cid,
          segment,
          root: u8aToHex(proved.root),
          size: proved.size,
          proof: { segment: u8aToHex(proved.proof.segment), path: proved.proof.path.map((h) => u8aToHex(h)) },
        })
      }
      case 'POST /api/v0/storage/delete': {
        const cid = parseCid((await readJson(req)).cid)
        if (!(await sealer.delete(cid))) throw new ApiFailure(404, 404, `File '${cid}' is not existed in sworker`)
        return this.send(res, 200, { status_code: 200, message: `Deleting file '${cid}' successfully` })
      }
      case 'POST /api/v0/srd/change': {
        const change = (await readJson(req)).change
        if (typeof change !== 'number' || !Number.isSafeInteger(change) || change === 0) throw new ApiFailure(400, 400, 'Invalid change')
        let result: Awaited<ReturnType<typeof srd.change>>
        try {
          result = await srd.change(change)
        } catch (err) {
          // Refused whole, or stopped when the disk filled meanwhile: 409 with the room left.
          if (err instanceof SrdError && err.code === SrdErrorCode.NO_ROOM)
            throw new ApiFailure(409, 409, err.message, SworkerApiErrorCode.SRD_NO_ROOM, err.meta)
          throw err
        }
        return this.send(res, 200, { status_code: 200, message: `Change task:${change}G has been added`, added: result.added, removed: result.removed })
      }
      default:
        if (req.method !== 'GET' && req.method !== 'POST') throw new ApiFailure(405, 405, 'Method not allowed')
        throw new ApiFailure(404, 404, `Unknown endpoint ${url.pathname}`)
    }
  }
}
