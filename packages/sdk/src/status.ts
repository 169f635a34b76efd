/** Reading an order (`market.filesV2`) and following its replicas block by block. */
import type { ApiPromise } from '@polkadot/api'
import { DEFAULT_REPLICA_TIMEOUT_MS } from './constants.js'
import { SdkError } from './errors.js'
import { assertCid } from './validate.js'

/** One storage node's replica of a file. */
export interface Replica {
  /** The reporting account (the node's owner), SS58. */
  who: string
  /** Block from which the replica counts. */
  validAt: number
  /** The sWorker's anchor (hex). */
  anchor: string
  /** Whether the node's latest work report included the file. */
  isReported: boolean
  createdAt: number | undefined
}

/** A storage order as the chain holds it (Crust's `FileInfoV2`). */
export interface FileInfo {
  fileSize: bigint
  spower: bigint
  /** Block at which the paid period ends; 0 until the first replica is reported. */
  expiredAt: number
  calculatedAt: number
  /** The file's reward pot. */
  amount: bigint
  /** The prepaid pool that renews the order at expiry. */
  prepaid: bigint
  reportedReplicaCount: number
  remainingPaidCount: number
  replicas: Replica[]
}
export type OrderStatusReturnType = FileInfo | undefined

interface Num {
  toNumber(): number
  toBigInt(): bigint
}
interface RawReplica {
  who: { toString(): string }
  validAt: Num
  anchor: { toHex(): string }
  isReported: { isTrue: boolean }
  createdAt: { isSome: boolean; unwrap(): Num }
}
interface RawFileInfo {
  fileSize: Num
  spower: Num
  expiredAt: Num
  calculatedAt: Num
  amount: Num
  prepaid: Num
  reportedReplicaCount: Num
  remainingPaidCount: Num
  replicas: { values(): IterableIterator<RawReplica> }
}

/** Decodes the `filesV2` value of `cid`; undefined when there is no order. Throws `SDK_ERROR_BAD_CID`. */
export async function orderStatus(api: ApiPromise, cid: string): Promise<OrderStatusReturnType> {
  assertCid(cid)
  const opt = (await api.query.market!.filesV2!(cid)) as unknown as { isNone: boolean; unwrap(): RawFileInfo }
  if (opt.isNone) return undefined
  const f = opt.unwrap()
  return {
    fileSize: f.fileSize.toBigInt(),
    spower: f.spower.toBigInt(),
    expiredAt: f.expiredAt.toNumber(),
    calculatedAt: f.calculatedAt.toNumber(),
    amount: f.amount.toBigInt(),
    prepaid: f.prepaid.toBigInt(),
    reportedReplicaCount: f.reportedReplicaCount.toNumber(),
    remainingPaidCount: f.remainingPaidCount.toNumber(),
    replicas: [...f.replicas.values()].map((r) => ({
      who: r.who.toString(),
      validAt: r.validAt.toNumber(),
      anchor: r.anchor.toHex(),
      isReported: r.isReported.isTrue,
      createdAt: r.createdAt.isSome ? r.createdAt.unwrap().toNumber() : undefined,
    })),
  }
}

/** What {@link waitForReplicas} reports at each new block. */
export interface ReplicaProgress {
  blockNumber: number
  reported: number
  wanted: number
  file: FileInfo | undefined
}

export interface WaitForReplicasOptions {
  /** Reported replicas to wait for (default 1). */
  replicas?: number
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number
  onProgress?: (progress: ReplicaProgress) => void
  signal?: AbortSignal
}
export type WaitForReplicasReturnType = FileInfo
export type WaitForReplicasErrorType = SdkError

/**
 * Follows new heads until the order of `cid` has `replicas` reported replicas. Rejects with
 * `SDK_ERROR_REPLICA_TIMEOUT` (`meta.reached`, `meta.wanted`) at the deadline; the order stands.
 */
export async function waitForReplicas(api: ApiPromise, cid: string, options: WaitForReplicasOptions = {}): Promise<WaitForReplicasReturnType> {
  assertCid(cid)
  const wanted = options.replicas ?? 1
  const timeoutMs = options.timeoutMs ?? DEFAULT_REPLICA_TIMEOUT_MS
  return new Promise<FileInfo>((resolve, reject) => {
    let settled = false
    let reached = 0
    let checking = false
    let again = false
    let latest = 0
    let unsubscribe: (() => void) | undefined
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      unsubscribe?.()
      fn()
    }
    const onAbort = () => finish(() => reject(new SdkError('SDK_ERROR_ABORTED', 'aborted', { reached, wanted })))
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new SdkError('SDK_ERROR_REPLICA_TIMEOUT', `${reached} of ${wanted} replicas reported after ${Math.round(timeoutMs / 1000)} s; the order stands`, {
              cid,
              reached,
              wanted,
            }),
          ),
        ),
      timeoutMs,
    )
    options.signal?.addEventListener('abort', onAbort, { once: true })
    // One check at a time; a head arriving meanwhile triggers one more check afterwards.
    const check = async (): Promise<void> => {
      const blockNumber = latest
      if (checking) {
        again = true
        return
      }
      checking = true
      try {
        const file = await orderStatus(api, cid)
        reached = file?.reportedReplicaCount ?? 0
        if (settled) return
        options.onProgress?.({ blockNumber, reported: reached, wanted, file })
        if (file !== undefined && reached >= wanted) finish(() => resolve(file))
      } catch (err) {
        finish(() => reject(err))
      } finally {
        checking = false
      }
      if (again && !settled) {
        again = false
        await check()
      }
    }
    api.rpc.chain
      .subscribeNewHeads((header) => {
        latest = header.number.toNumber()
        void check()
      })
      .then((unsub) => {
        if (settled) unsub()
        else unsubscribe = unsub
      })
      .catch((err: unknown) => finish(() => reject(err)))
  })
}
