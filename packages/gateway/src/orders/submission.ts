/**
 * The order engine's side of the chain: the service account's nonce (kept here, resynced from the
 * chain after a refusal), one submission at a time, signing `market.placeStorageOrder` (with the
 * DAG's content root: `placeStorageOrderWithRoot`) with an
 * explicit nonce (immortal, so the saved bytes stay valid for a resend), and sending over the
 * SDK's `sendTx` with the outcome read as the engine needs it (block, dispatch error, what the
 * account paid).
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { type ContentRootReturnType, paidBy, sendTx, TX_POOL_ERROR, TxRejectedError } from '@crust-ts/sdk'

export type Outcome =
  | { kind: 'success'; blockHash: string; blockNumber: number; fee: bigint }
  | { kind: 'dispatch-error'; blockHash: string; error: string }
  | { kind: 'dropped'; status: string }

/** A sent extrinsic: its outcome once in a block or dropped (never rejects); `cancel` stops watching. */
export interface SentOrder {
  outcome: Promise<Outcome>
  cancel(): void
}

/** A signed order extrinsic and the nonce it holds. */
export interface SignedOrder {
  nonce: number
  tx: SubmittableExtrinsic<'promise'>
  txHex: string
  txHash: string
}

/** Why the pool refused an extrinsic, as the engine acts on it. */
export type Refusal = 'nonce' | 'already-imported' | 'other'

/** RPC errors that mean "our nonce was wrong" (stale/future, or another extrinsic with the same nonce). */
const NONCE_ERRORS = new Set<number>([TX_POOL_ERROR.INVALID, TX_POOL_ERROR.PRIORITY_TOO_LOW])

/** The node's words for a refusal. */
export function refusalMessage(err: unknown): string {
  return err instanceof TxRejectedError ? err.reason : (err as Error).message
}

export function classifyRefusal(err: unknown): Refusal {
  const code = err instanceof TxRejectedError ? err.rpcCode : undefined
  if (code === TX_POOL_ERROR.ALREADY_IMPORTED) return 'already-imported'
  return code !== undefined && NONCE_ERRORS.has(code) ? 'nonce' : 'other'
}

export class OrderSubmitter {
  /** The nonce the next new order takes. */
  nextNonce = 0
  /** How often the nonce was read from the chain. */
  resyncs = 0
  private lock: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly api: ApiPromise,
    private readonly account: KeyringPair,
  ) {}

  get address(): string {
    return this.account.address
  }

  /** Reads the account's next nonce (pool included) from the chain. */
  async resync(): Promise<void> {
    this.nextNonce = (await this.api.rpc.system.accountNextIndex(this.address)).toNumber()
    this.resyncs++
  }

  /** Runs `fn` after every earlier one settled: one signing and sending at a time. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => {})
    return run
  }

  /**
   * Signs `placeStorageOrderWithRoot(cid, size, tip, '', root)` (or, without a root,
   * `placeStorageOrder(cid, size, tip, '')`) with the next nonce (not yet taken: see {@link take}).
   */
  async signOrder(cid: string, size: number, tip: bigint, root?: ContentRootReturnType): Promise<SignedOrder> {
    const nonce = this.nextNonce
    const market = this.api.tx.market!
    const tx = (
      root === undefined ? market.placeStorageOrder!(cid, size, tip, '') : market.placeStorageOrderWithRoot!(cid, size, tip, '', root)
    ) as SubmittableExtrinsic<'promise'>
    await tx.signAsync(this.account, { nonce, era: 0 })
    return { nonce, tx, txHex: tx.toHex(), txHash: tx.hash.toHex() }
  }

  /** Marks `nonce` used: new orders take the ones after it. */
  take(nonce: number): void {
    this.nextNonce = Math.max(this.nextNonce, nonce + 1)
  }

  /** Sends a signed extrinsic (or its saved bytes). Resolves once the pool took it; rejects with the SDK's `TxRejectedError` otherwise. */
  async send(tx: SubmittableExtrinsic<'promise'> | string): Promise<SentOrder> {
    const extrinsic = typeof tx === 'string' ? (this.api.tx(tx) as unknown as SubmittableExtrinsic<'promise'>) : tx
    const sent = await sendTx(this.api, extrinsic)
    const who = this.address
    const outcome = sent.outcome.then((o): Outcome => {
      if (o.kind === 'dropped') return { kind: 'dropped', status: o.status }
      if (o.dispatchError !== undefined) return { kind: 'dispatch-error', blockHash: o.blockHash, error: o.dispatchError }
      return { kind: 'success', blockHash: o.blockHash, blockNumber: o.blockNumber ?? 0, fee: paidBy(o.result, who) }
    })
    return { outcome, cancel: sent.cancel }
  }

  async head(): Promise<number> {
    return (await this.api.rpc.chain.getHeader()).number.toNumber()
  }

  /** The account's nonce as the best block has it (included extrinsics only). */
  async chainNonce(): Promise<number> {
    const account = (await this.api.query.system!.account!(this.address)) as unknown as { nonce: { toNumber(): number } }
    return account.nonce.toNumber()
  }
}
