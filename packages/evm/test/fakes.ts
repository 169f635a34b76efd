/** Fakes at the order node's seams (`EvmSource`, `CrustSink`) for its unit tests. */
import assert from 'node:assert/strict'
import { type CrustSink, type EventRecord, type EvmSource, type OrderLog, PermanentOrderError, type PlacedLookup } from '../src/index.js'

export const MERCHANT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
export const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
export const hashOf = (n: number, fork = 0) => `0x${(n * 1000 + fork).toString(16).padStart(64, '0')}`

/** An EVM chain as a list of block hashes and the Order logs in each. */
export class FakeEvm implements EvmSource {
  constructor(readonly chainId = 7) {}
  blocks: Array<{ hash: string; logs: OrderLog[] }> = [{ hash: hashOf(0), logs: [] }]
  fork = 0
  async head() {
    return this.blocks.length - 1
  }
  async orders(from: number, to: number) {
    return this.blocks.slice(from, to + 1).flatMap((b) => b.logs)
  }
  async ordersInBlock(n: number, hash: string) {
    return this.blocks[n]?.hash === hash ? this.blocks[n]!.logs : undefined
  }
  mine(cids: string[] = [], merchant = MERCHANT, isPermanent = false): OrderLog[] {
    const n = this.blocks.length
    const hash = hashOf(n, this.fork)
    const logs = cids.map((cid, i) => ({
      txHash: `0x${(n * 100 + i + 1).toString(16).padStart(64, '0')}`,
      logIndex: i,
      blockNumber: n,
      blockHash: hash,
      customer: '0x0000000000000000000000000000000000000001',
      merchant,
      cid,
      size: 1000n,
      price: 5n,
      isPermanent,
    }))
    this.blocks.push({ hash, logs })
    return logs
  }
  /** Drops blocks after `n` (the next ones mined are a fork). */
  revert(n: number) {
    this.blocks = this.blocks.slice(0, n + 1)
    this.fork++
  }
}

/** A Crust account: a nonce, the orders included, and a switch for transient failures. */
export class FakeCrust implements CrustSink {
  nonce = 0
  placed: Array<{ cid: string; nonce: number; prepaid?: string }> = []
  /** One renewal's price at the fees of block `block`. */
  renewal = 7n
  block = 100
  failNext = 0
  /** Includes the transaction, then fails as a crash after sending would. */
  crashAfterInclusion = false
  /** When set, inclusion waits for it (transactions in flight). */
  gate: Promise<void> | undefined
  async check(record: EventRecord) {
    if (!record.cid.startsWith('Qm')) throw new PermanentOrderError('SDK_ERROR_BAD_CID', `"${record.cid}" is not a valid CID`)
  }
  async nextNonce() {
    return this.nonce
  }
  async chainNonce() {
    return this.nonce
  }
  async bestBlock() {
    return this.block
  }
  async renewalPrice() {
    return { price: this.renewal, atBlock: this.block }
  }
  async place(record: EventRecord, nonce: number) {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('connection reset')
    }
    assert.equal(nonce, this.nonce, 'sent with the nonce recorded')
    this.placed.push({ cid: record.cid, nonce, ...(record.prepaid === undefined ? {} : { prepaid: record.prepaid }) })
    this.nonce++
    await this.gate
    if (this.crashAfterInclusion) throw new Error('crashed after sending')
    return { blockHash: hashOf(100 + nonce), blockNumber: 100 + nonce }
  }
  async findPlaced(record: EventRecord, nonce: number): Promise<PlacedLookup> {
    const tx = this.placed.find((p) => p.nonce === nonce)
    if (tx === undefined) return { kind: 'unknown' }
    return tx.cid === record.cid ? { kind: 'ours', blockHash: hashOf(100 + nonce), blockNumber: 100 + nonce } : { kind: 'other' }
  }
}
