/**
 * Micro-benchmark of the transaction queues: 10,000 transactions from 1,000 senders.
 * Run: `npx tsc -b packages/chain && npx node packages/chain/dist/test/txpool-queues.bench.js`
 * Not a test: it asserts nothing about time, it prints figures.
 */
import { performance } from 'node:perf_hooks'
import { type PoolTransaction, TransactionQueues } from '../src/node/txpool/index.js'

const SENDERS = 1_000
const PER_SENDER = 10
const ROUNDS = 15
const limits = { maxReady: 20_000, maxFuture: 20_000, maxBytes: 1 << 30, maxPerSender: 64 }

/** Deterministic xorshift so runs compare. */
function rng(seed: number): () => number {
  let x = seed
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

function makeTxs(shuffleNonces: boolean): PoolTransaction<null>[] {
  const rand = rng(42)
  const txs: PoolTransaction<null>[] = []
  for (let s = 0; s < SENDERS; s++) {
    const sender = `0x${s.toString(16).padStart(64, '0')}`
    for (let n = 0; n < PER_SENDER; n++) {
      const hash = `0x${(s * PER_SENDER + n).toString(16).padStart(64, '0')}`
      txs.push({ hash, sender, nonce: n, priority: BigInt(Math.floor(rand() * 1_000_000)), length: 150, data: null })
    }
  }
  // Interleave senders (arrival order), keeping or shuffling each sender's nonce order.
  for (let i = txs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[txs[i], txs[j]] = [txs[j]!, txs[i]!]
  }
  if (!shuffleNonces) {
    const next = new Map<string, number>()
    for (const t of txs) {
      const n = next.get(t.sender) ?? 0
      next.set(t.sender, n + 1)
      t.nonce = n
    }
  }
  return txs
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  return s[s.length >> 1]!
}

function bench(label: string, shuffleNonces: boolean): void {
  const txs = makeTxs(shuffleNonces)
  const importTimes: number[] = []
  const iterTimes: number[] = []
  const firstBlockTimes: number[] = []
  let ready = 0
  for (let r = 0; r < ROUNDS; r++) {
    const q = new TransactionQueues<null>(limits)
    let t0 = performance.now()
    for (const t of txs) q.import(t, 0)
    importTimes.push(performance.now() - t0)
    ready = q.status().ready

    t0 = performance.now()
    let n = 0
    for (const _ of q.ready()) n++
    iterTimes.push(performance.now() - t0)
    if (n !== ready) throw new Error('iteration count mismatch')

    t0 = performance.now()
    const it = q.ready()
    for (let k = 0; k < 1_000; k++) it.next()
    firstBlockTimes.push(performance.now() - t0)
  }
  const imp = median(importTimes)
  const iter = median(iterTimes)
  const first = median(firstBlockTimes)
  console.log(
    `${label}: import ${txs.length} in ${imp.toFixed(2)} ms = ${Math.round(txs.length / (imp / 1000)).toLocaleString('en')} tx/s; ` +
      `ready() full pass ${ready} in ${iter.toFixed(2)} ms = ${Math.round(ready / (iter / 1000)).toLocaleString('en')} tx/s; ` +
      `first 1,000 in ${first.toFixed(3)} ms`,
  )
}

bench('in-order nonces', false)
bench('shuffled nonces (futures + gap-fill promotions)', true)
