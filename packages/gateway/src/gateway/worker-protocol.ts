/**
 * Messages between the W3Auth gateway's control side (main thread: W3Auth, rate limits, quotas, logger)
 * and its data side (a worker thread: the HTTP server and the byte pump).
 *
 * Why a worker: a proxied upload is thousands of socket buffers held outside the JS heap, and V8 answers
 * that external memory with full collections whose cost grows with the heap. In the gateway's process the
 * heap carries the chain API, the pinning service and the order engine, which made the collections
 * several times the cost of moving the bytes; a worker's heap holds only the proxy.
 */
import type { QuotaGrant } from './limits.js'

/** Order of the counters in the shared stats array (written by the worker only). */
export const STAT_FIELDS = ['requests', 'proxied', 'refused', 'uploadedBytes', 'maxBufferedBytes'] as const
export type StatField = (typeof STAT_FIELDS)[number]
export const statIndex = (field: StatField): number => STAT_FIELDS.indexOf(field)

export interface GatewayWorkerData {
  ipfsApi: string
  ipfsGateway: string | undefined
  host: string
  port: number
  maxRequestBytes: number
  /** Whether uploads draw on a daily quota (leases asked from the control side). */
  quota: boolean
  /** Float64Array over this buffer, indexed by `statIndex`. */
  stats: SharedArrayBuffer
}

/** The requests the gateway answers itself from the tenant's own pins. */
export type TenantPinOp = 'pin-add' | 'pin-rm' | 'pin-ls'

/** Worker → control. */
export type WorkerRequest =
  /** `command`: the Kubo command (path after `/api/v0/`), checked against the tenant allowlist. */
  | { type: 'admit'; id: number; authorization: string | undefined; declared: number; leaseWant: number; command: string }
  | { type: 'tenant'; id: number; account: string; op: TenantPinOp; query: string }
  /** Roots an `add` / `dag/import` pinned on the node: recorded as the tenant's pins. */
  | { type: 'record'; id: number; account: string; roots: string[]; name: string | undefined }
  | { type: 'lease'; id: number; account: string; need: number; want: number }
  | { type: 'refund'; account: string; bytes: number; day: number }
  | { type: 'listening'; host: string; port: number }
  | { type: 'listen-failed'; code: string | undefined; message: string }
  | { type: 'stopped' }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; data: Record<string, unknown>; msg: string }

export type { QuotaGrant } from './limits.js'

/** A refusal answered to the client as `{ Error: body }` with `status`. */
export interface Refusal {
  status: number
  error: string
}

/** Control → worker. */
export type ControlReply =
  /** `lease`: the quota drawn for the upload up front (absent without a quota). */
  | { type: 'admitted'; id: number; account: string; lease?: QuotaGrant }
  | { type: 'refused'; id: number; refusal: Refusal }
  | ({ type: 'leased'; id: number } & QuotaGrant)
  /** A tenant pin command's answer (Kubo's JSON shapes). */
  | { type: 'answer'; id: number; status: number; body: string }
  | { type: 'recorded'; id: number; error?: string }
  | { type: 'stop' }
