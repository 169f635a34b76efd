/**
 * The sManager's side of the sWorker HTTP API (crust-sworker's endpoints under `/api/v0`). POSTs carry
 * the sWorker's API token (`Authorization: Bearer`), read from the token file in its data folder.
 */
import { readFileSync } from 'node:fs'
import { SEAL_START_ALREADY_SEALED, SEAL_START_IN_PROGRESS, SEAL_START_OK } from '../constants.js'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'
import type { SpaceFigures } from '../scheduler/index.js'

/** A file as `GET /file/info` reports it. */
export interface SworkerFileInfo {
  type: 'valid' | 'lost' | 'pending' | string
  size?: number
  s_size?: number
  sealed_size?: number
  c_block_num?: number
  /** The content root for storage proofs (0x hex), over `size` bytes. */
  content_root?: string
}

/** A storage proof from the sWorker: what `challenges.answer_challenges` takes for one challenge (0x hex). */
export interface SworkerSegmentProof {
  segment: string
  path: string[]
}

/** What the sManager's challenge answering needs of the sWorker (a seam for tests). */
export interface SworkerProofClient {
  fileInfo(cid: string): Promise<SworkerFileInfo | undefined>
  /**
   * The proof of segment `segment` of `cid`. Throws `SMANAGER_ERROR_PROOF_FAILED` (with the sWorker's
   * `meta.code`, e.g. `SWORKER_API_ERROR_SEALED_DATA_BAD`) when the sWorker cannot prove it.
   */
  proof(cid: string, segment: number): Promise<SworkerSegmentProof>
  /** The CIDs the sWorker found lost (integrity checks). */
  lostFiles(): Promise<string[]>
}

export type SealStartOutcome = 'started' | 'alreadySealed' | 'inProgress'

/** What the sManager needs of the sWorker (a seam for tests). */
export interface SworkerClient {
  workload(): Promise<SpaceFigures>
  fileInfo(cid: string): Promise<SworkerFileInfo | undefined>
  sealStart(cid: string): Promise<SealStartOutcome>
  /** Finishes or cancels a seal; false when the sWorker refused (not finished). */
  sealEnd(cid: string): Promise<boolean>
  delete(cid: string): Promise<'deleted' | 'notFound'>
}

interface SworkerBody {
  status_code?: number
  message?: string
}

/** How {@link HttpSworkerClient} finds the sWorker's API token: the token, or its file. */
export type SworkerToken = { token: string } | { tokenFile: string }

/** {@link SworkerClient} over HTTP at `baseUrl` (e.g. `http://127.0.0.1:12222`). */
export class HttpSworkerClient implements SworkerClient, SworkerProofClient {
  private readonly base: string
  private token: string | undefined

  /**
   * `auth.tokenFile` (the sWorker's `<data>/api-token`) is read at the first POST and again after a
   * 401, so an sWorker started later or with a new token is followed.
   */
  constructor(
    baseUrl: string,
    private readonly auth: SworkerToken,
  ) {
    this.base = `${baseUrl.replace(/\/+$/, '').replace(/\/api\/v0$/, '')}/api/v0`
    if ('token' in auth) this.token = auth.token
  }

  async workload(): Promise<SpaceFigures> {
    const { status, body } = await this.request('GET', '/workload')
    if (status !== 200) throw this.failure('/workload', status, body)
    const srd = (body as { srd?: Record<string, number> }).srd ?? {}
    return { srdComplete: srd.srd_complete ?? 0, diskAvailable: srd.disk_available ?? 0, sysDiskAvailable: srd.sys_disk_available ?? 0 }
  }

  async fileInfo(cid: string): Promise<SworkerFileInfo | undefined> {
    const { status, body } = await this.request('GET', `/file/info?cid=${encodeURIComponent(cid)}`)
    if (status === 404) return undefined
    if (status !== 200) throw this.failure('/file/info', status, body)
    const map = body as Record<string, SworkerFileInfo>
    return map[cid] ?? Object.values(map)[0]
  }

  async proof(cid: string, segment: number): Promise<SworkerSegmentProof> {
    const { status, body } = await this.request('POST', '/storage/proof', { cid, segment })
    if (status === 200) {
      const proof = (body as { proof?: SworkerSegmentProof }).proof
      if (proof !== undefined && typeof proof.segment === 'string' && Array.isArray(proof.path)) return proof
    }
    const b = body as SworkerBody & { code?: string }
    throw new SmanagerError(SmanagerErrorCode.PROOF_FAILED, `sWorker cannot prove segment ${segment} of ${cid}: ${b.message ?? status}`, {
      cid,
      segment,
      status,
      code: b.code,
    })
  }

  async lostFiles(): Promise<string[]> {
    const { status, body } = await this.request('GET', '/file/info_by_type?type=lost')
    if (status !== 200) throw this.failure('/file/info_by_type', status, body)
    return Object.keys(body as Record<string, unknown>)
  }

  async sealStart(cid: string): Promise<SealStartOutcome> {
    const { status, body } = await this.request('POST', '/storage/seal_start', { cid })
    const code = (body as SworkerBody).status_code
    if (code === SEAL_START_ALREADY_SEALED) return 'alreadySealed'
    if (code === SEAL_START_IN_PROGRESS) return 'inProgress'
    if (status === 200 && code === SEAL_START_OK) return 'started'
    throw this.failure('/storage/seal_start', status, body)
  }

  async sealEnd(cid: string): Promise<boolean> {
    const { status } = await this.request('POST', '/storage/seal_end', { cid })
    return status === 200
  }

  async delete(cid: string): Promise<'deleted' | 'notFound'> {
    const { status, body } = await this.request('POST', '/storage/delete', { cid })
    if (status === 200) return 'deleted'
    if (status === 404) return 'notFound'
    throw this.failure('/storage/delete', status, body)
  }

  private readToken(): string {
    if ('token' in this.auth) return this.auth.token
    try {
      this.token = readFileSync(this.auth.tokenFile, 'utf8').trim()
    } catch (err) {
      throw new SmanagerError(
        SmanagerErrorCode.SWORKER_UNAUTHORIZED,
        `cannot read the sWorker API token: ${(err as Error).message}`,
        { file: this.auth.tokenFile },
        { cause: err },
      )
    }
    return this.token
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
    if (method === 'GET') return this.send(method, path)
    const token = this.token ?? this.readToken()
    let answer = await this.send(method, path, json, token)
    // The sWorker may have been set up anew since the file was read: read it once more.
    if (answer.status === 401 && 'tokenFile' in this.auth && this.readToken() !== token) answer = await this.send(method, path, json, this.token)
    if (answer.status === 401) throw this.failure(path, 401, answer.body, SmanagerErrorCode.SWORKER_UNAUTHORIZED)
    return answer
  }

  private async send(method: 'GET' | 'POST', path: string, json?: unknown, token?: string): Promise<{ status: number; body: unknown }> {
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        ...(method === 'GET' ? {} : { body: JSON.stringify(json ?? {}), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }),
      })
    } catch (err) {
      throw new SmanagerError(SmanagerErrorCode.SWORKER_REQUEST_FAILED, `sWorker ${path} unreachable: ${(err as Error).message}`, { path }, { cause: err })
    }
    const text = await res.text()
    let body: unknown = {}
    try {
      body = text.length === 0 ? {} : JSON.parse(text)
    } catch {
      body = { message: text }
    }
    return { status: res.status, body }
  }

  private failure(path: string, status: number, body: unknown, code: SmanagerErrorCode = SmanagerErrorCode.SWORKER_REQUEST_FAILED): SmanagerError {
    const b = body as SworkerBody
    return new SmanagerError(code, `sWorker ${path} answered ${status}: ${b.message ?? ''}`.trim(), {
      path,
      status,
      statusCode: b.status_code,
    })
  }
}
