import type { PoolTransaction } from './interface.js'

/** One pooled transaction with its bookkeeping. */
export interface Entry<T> {
  readonly tx: PoolTransaction<T>
  /** Arrival order, unique; breaks priority ties (earlier goes first and is evicted last). */
  readonly seq: number
  /** Arrival time (ms since the epoch). */
  readonly at: number
  readonly sender: SenderState<T>
  /** Nonce in `[sender.nonce, sender.readyEnd)`. */
  ready: boolean
  /** Still in the pool. */
  live: boolean
  /** Index in the future heap, -1 when not there. */
  futurePos: number
  /** Came from a peer (not this node's RPC): counts against its sender's `maxPerSender` while future. */
  readonly fromNetwork: boolean
}

/**
 * One sender's transactions. The ready ones are exactly the nonces `[nonce, readyEnd)`; `readyEnd`
 * is absent from `txs`, and every other transaction (nonce > readyEnd) is future. A sender is
 * registered in the pool exactly while it has transactions.
 */
export class SenderState<T> {
  readonly id: string
  /** The sender's account nonce as the pool knows it. */
  nonce: number
  readyEnd: number
  readonly txs = new Map<number, Entry<T>>()
  /** Ready transaction at `nonce`, if any; key of the heads heap. */
  head: Entry<T> | undefined = undefined
  /** Ready transaction at `readyEnd - 1`, if any; key of the tails heap. */
  tail: Entry<T> | undefined = undefined
  headPos = -1
  tailPos = -1
  /** Future transactions that came from the network (the ones `maxPerSender` bounds). */
  networkFutures = 0

  constructor(id: string, nonce: number) {
    this.id = id
    this.nonce = nonce
    this.readyEnd = nonce
  }
}

/** `a` goes into a block before `b`. */
export function better<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.tx.priority > b.tx.priority || (a.tx.priority === b.tx.priority && a.seq < b.seq)
}

/** `a` is evicted before `b`. */
export function worse<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.tx.priority < b.tx.priority || (a.tx.priority === b.tx.priority && a.seq > b.seq)
}
