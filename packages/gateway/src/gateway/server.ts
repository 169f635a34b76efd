/**
 * The W3Auth gateway: `/api/v0/*` authenticated and streamed to the Kubo API, `/ipfs/*` open to the read gateway.
 * The HTTP server and the byte pump run in a worker thread (worker.ts); this side decides: W3Auth, rate
 * limits, size limits and the daily quota, which stay here with the caller's clock and verifier registry.
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from '@crust-ts/base'
import { type W3Auth, W3AuthError } from '../auth/index.js'
import { GatewayErrorCode, GatewayLimitError } from './errors.js'
import { TENANT_COMMANDS } from './commands.js'
import { RateLimiter, UploadQuota } from './limits.js'
import { resolveGatewayConfig, type W3AuthGatewayConfig, type W3AuthGatewayInit } from './options.js'
import { MemoryTenantPinStore, TenantPins } from './tenant-pins.js'
import { type ControlReply, type GatewayWorkerData, type QuotaGrant, type Refusal, STAT_FIELDS, statIndex, type WorkerRequest } from './worker-protocol.js'

/** Quota leases the control side draws for its own fetches (tenant pins). */
const PIN_LEASE_BYTES = 8 * 1024 * 1024

/** Counters a test or an operator can read. */
export interface GatewayStats {
  requests: number
  proxied: number
  refused: number
  /** Request body bytes forwarded to the API. */
  uploadedBytes: number
  /** Largest amount of request body held inside the gateway at any moment (streaming check). */
  maxBufferedBytes: number
}

const limitRefusal = (err: GatewayLimitError): Refusal => ({ status: err.status, error: err.message })

export class W3AuthGateway {
  private readonly auth: W3Auth
  private readonly rate: RateLimiter | undefined
  private readonly quota: UploadQuota | undefined
  private readonly tenantPins: TenantPins
  private readonly config: W3AuthGatewayConfig
  private readonly log: Logger | undefined
  private readonly statsBuffer = new SharedArrayBuffer(STAT_FIELDS.length * Float64Array.BYTES_PER_ELEMENT)
  private worker: Worker | undefined
  private address: { host: string; port: number } | undefined

  constructor(init: W3AuthGatewayInit) {
    const config = resolveGatewayConfig(init)
    this.config = config
    this.auth = config.auth
    // Checked here so a bad URL fails at construction, as before the worker existed.
    new URL(config.ipfsApi)
    if (config.ipfsGateway !== undefined) new URL(config.ipfsGateway)
    this.rate = config.rateLimit === undefined ? undefined : new RateLimiter(config.rateLimit, config.now)
    const perDay = config.uploadBytesPerDay
    this.log = config.logger?.forComponent('gateway:w3auth')
    const onStoreError = (err: unknown) => this.log?.warn({ err }, 'cannot record upload usage in the store')
    this.quota = Number.isFinite(perDay) ? new UploadQuota(perDay, config.now, config.usageStore, onStoreError) : undefined
    this.tenantPins = new TenantPins({
      ipfsApi: config.ipfsApi,
      store: config.usageStore ?? new MemoryTenantPinStore(),
      quota: this.quota,
      maxPinBytes: config.maxPinBytes,
      fetchTimeoutMs: config.pinFetchTimeoutMs,
      leaseBytes: PIN_LEASE_BYTES,
      log: this.log,
    })
  }

  /** A snapshot of the counters (kept by the worker in shared memory). */
  get stats(): GatewayStats {
    const values = new Float64Array(this.statsBuffer)
    return Object.fromEntries(STAT_FIELDS.map((field) => [field, values[statIndex(field)]!])) as unknown as GatewayStats
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    const workerData: GatewayWorkerData = {
      ipfsApi: this.config.ipfsApi,
      ipfsGateway: this.config.ipfsGateway,
      host: this.config.host,
      port: this.config.port,
      maxRequestBytes: this.config.maxRequestBytes,
      quota: this.quota !== undefined,
      stats: this.statsBuffer,
    }
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData })
    this.worker = worker
    this.address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
      worker.on('message', (message: WorkerRequest) => {
        if (message.type === 'listening') resolve({ host: message.host, port: message.port })
        else if (message.type === 'listen-failed') reject(Object.assign(new Error(message.message), { code: message.code }))
        else this.onWorkerMessage(message)
      })
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`gateway worker exited (${code}) before listening`)))
    })
    worker.on('error', (err) => this.log?.error({ err }, 'gateway worker failed; /api/v0 and /ipfs on this port are down'))
    this.log?.info({ host: this.address.host, port: this.address.port, ipfsApi: this.config.ipfsApi }, 'W3Auth gateway listening')
    return this.address
  }

  async stop(): Promise<void> {
    const worker = this.worker
    if (worker === undefined) return
    this.worker = undefined
    // 'stopped' comes after every message the worker sent before it (a last upload's refund included).
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (message: WorkerRequest) => message.type === 'stopped' && resolve())
      worker.once('exit', () => resolve())
    })
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage({ type: 'stop' } satisfies ControlReply)
    await stopped
    await exited
    await this.quota?.flush()
  }

  /** The bound URL (after start). */
  get url(): string {
    if (this.address === undefined) throw new Error('gateway not started')
    return `http://${this.address.host}:${this.address.port}`
  }

  private reply(message: ControlReply) {
    this.worker?.postMessage(message)
  }

  private onWorkerMessage(message: WorkerRequest) {
    switch (message.type) {
      case 'admit':
        this.admit(message.authorization, message.declared, message.command, message.leaseWant).then(
          (verdict) => {
            if (!('account' in verdict)) return this.reply({ type: 'refused', id: message.id, refusal: verdict })
            this.reply({ type: 'admitted', id: message.id, account: verdict.account, ...(verdict.lease === undefined ? {} : { lease: verdict.lease }) })
          },
          (err: unknown) => {
            this.log?.warn({ err }, 'admission failed')
            this.reply({ type: 'refused', id: message.id, refusal: { status: 500, error: err instanceof Error ? err.message : String(err) } })
          },
        )
        return
      case 'lease': {
        const grant = this.quota?.lease(message.account, message.need, message.want) ?? Promise.resolve({ granted: message.want, day: 0 })
        grant.then(
          (g) => this.reply({ type: 'leased', id: message.id, ...g }),
          (err: unknown) => {
            this.log?.warn({ err }, 'cannot draw on the quota')
            this.reply({ type: 'leased', id: message.id, granted: 0, day: 0 })
          },
        )
        return
      }
      case 'refund':
        this.quota?.refund(message.account, message.bytes, message.day)
        return
      case 'tenant': {
        const params = new URLSearchParams(message.query)
        const op =
          message.op === 'pin-add'
            ? this.tenantPins.add(message.account, params)
            : message.op === 'pin-rm'
              ? this.tenantPins.rm(message.account, params)
              : this.tenantPins.ls(message.account, params)
        op.then(
          (answer) => this.reply({ type: 'answer', id: message.id, ...answer }),
          (err: unknown) => {
            this.log?.warn({ err, op: message.op }, 'tenant pin command failed')
            this.reply({
              type: 'answer',
              id: message.id,
              status: 500,
              body: JSON.stringify({ Message: err instanceof Error ? err.message : String(err), Code: 0, Type: 'error' }),
            })
          },
        )
        return
      }
      case 'record':
        this.tenantPins.record(message.account, message.roots, message.name).then(
          () => this.reply({ type: 'recorded', id: message.id }),
          (err: unknown) => this.reply({ type: 'recorded', id: message.id, error: err instanceof Error ? err.message : String(err) }),
        )
        return
      case 'log':
        this.log?.[message.level](message.data, message.msg)
        return
      default:
        return
    }
  }

  /**
   * W3Auth, then the account's rate, the tenant allowlist (403), the declared size and the day's quota
   * (an upload's first lease drawn here), in that order.
   */
  private async admit(
    authorization: string | undefined,
    declared: number,
    command: string,
    leaseWant: number,
  ): Promise<{ account: string; lease?: QuotaGrant } | Refusal> {
    let account: string
    try {
      account = (await this.auth.authenticate(authorization)).account
    } catch (err) {
      if (!(err instanceof W3AuthError)) throw err
      this.log?.debug({ code: err.code }, 'refused')
      return { status: 401, error: err.reply }
    }
    if (this.rate !== undefined && !this.rate.take(account)) return limitRefusal(new GatewayLimitError(GatewayErrorCode.RATE_LIMITED, { account }))
    if (!Object.hasOwn(TENANT_COMMANDS, command)) {
      this.log?.info({ account, command }, 'command refused: not open to tenants')
      return { status: 403, error: 'Forbidden' }
    }
    if (declared > this.config.maxRequestBytes) return limitRefusal(new GatewayLimitError(GatewayErrorCode.TOO_LARGE, { declared }))
    const quota = this.quota
    if (quota === undefined || (declared === 0 && leaseWant === 0)) return { account }
    const lease = await quota.lease(account, declared, leaseWant)
    if (lease.granted < declared || (declared > 0 && lease.granted === 0)) {
      quota.refund(account, lease.granted, lease.day)
      return limitRefusal(new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account }))
    }
    return { account, lease }
  }
}

/** Creates (does not start) a W3Auth gateway; call `start()`. */
export function createW3AuthGateway(init: W3AuthGatewayInit): W3AuthGateway {
  return new W3AuthGateway(init)
}
