/**
 * Chain benchmark: pre-signed `transferKeepAlive` (or `market.placeStorageOrder`) extrinsics validated into the pool and applied
 * into blocks on one core, with the cost split (validation incl. signature check, block execution,
 * trie + database commit). The anchor is the raw WASM sr25519 verify rate measured in the same run:
 * one verification per transaction is the floor of what validation must cost.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keyring } from '@polkadot/keyring'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { sr25519Verify } from '@polkadot/wasm-crypto'
import { Chain, ChainDatabase, builtinSpec, defaultRuntimeConfig, PALLET_INDEX, Runtime, TransactionPool } from '@crust-ts/chain'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

export type ChainBenchKind = 'transfer' | 'order'

export interface ChainBenchResult {
  kind: ChainBenchKind
  transactions: number
  blocks: number
  perSecond: number
  split: { validateMs: number; executeMs: number; commitMs: number }
  anchorVerifyPerSecond: number
}

function measureAnchor(pair: ReturnType<Keyring['addFromUri']>): number {
  const msg = new Uint8Array(140).fill(3)
  const sig = pair.sign(msg)
  const n = 3000
  const t0 = performance.now()
  for (let i = 0; i < n; i++) if (!sr25519Verify(sig, msg, pair.publicKey)) throw new Error('verify failed')
  return n / ((performance.now() - t0) / 1000)
}

/** A valid CIDv1 (raw, sha2-256) for order number `i`, as the bytes of its string form. */
function benchCid(i: number): Uint8Array {
  const digest = createHash('sha256').update(`bench file ${i}`).digest()
  return new TextEncoder().encode(CID.createV1(0x55, Digest.create(0x12, digest)).toString())
}

export async function runChainBench(options: { senders?: number; perSender?: number; kind?: ChainBenchKind } = {}): Promise<ChainBenchResult> {
  const kind = options.kind ?? 'transfer'
  await cryptoWaitReady()
  const senders = options.senders ?? 4000
  const perSender = options.perSender ?? 2
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const pairs = Array.from({ length: senders }, (_, i) => keyring.addFromUri(`//bench//${i}`))
  const spec = builtinSpec('dev')!
  spec.genesis.balances.push(...pairs.map((p): [string, string] => [p.address, (10n ** 18n).toString()]))
  const dir = mkdtempSync(join(tmpdir(), 'crust-bench-'))
  const db = ChainDatabase.open(dir)
  try {
    const runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: 1000 })
    const chain = Chain.open(db, runtime, spec)
    const pool = new TransactionPool(runtime, chain, { maxReady: 100_000, maxFuture: 100_000, maxBytes: 1 << 30, maxPerSender: 64 })
    const registry = runtime.registry
    const genesisHash = chain.genesis.hash
    const version = registry.createType('RuntimeVersion', runtime.version)
    const dest = keyring.addFromUri('//Ferdie').address

    // Pre-sign, outside the measurement (immortal era: signed against genesis).
    const signed: Uint8Array[] = []
    for (let n = 0; n < perSender; n++) {
      for (const pair of pairs) {
        const call =
          kind === 'transfer'
            ? registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: u8aToHex(keyring.decodeAddress(dest)) }, value: 1_000_000_000n } })
            : registry.createType('Call', {
                callIndex: [PALLET_INDEX.Market, 0],
                args: { cid: u8aToHex(benchCid(signed.length)), reported_file_size: 1_048_576n, tips: 0n, memo: '0x' },
              })
        const xt = registry.createType('Extrinsic', call)
        xt.sign(pair, { blockHash: genesisHash, genesisHash, nonce: n, runtimeVersion: version, era: 0 } as never)
        signed.push(hexToU8a(xt.toHex()))
      }
    }

    const author = keyring.addFromUri('//Alice').publicKey
    let validateMs = 0
    let executeMs = 0
    let commitMs = 0
    const t0 = performance.now()
    for (const bytes of signed) pool.submit(bytes)
    validateMs = performance.now() - t0

    // Time block execution and commit separately by timing the trie/db step inside produceBlock.
    const commit = chain.trie.commit.bind(chain.trie)
    chain.trie.commit = (root, changes) => {
      const c0 = performance.now()
      const out = commit(root, changes)
      commitMs += performance.now() - c0
      return out
    }
    const dbCommit = db.commitBlock.bind(db)
    db.commitBlock = (write) => {
      const c0 = performance.now()
      dbCommit(write)
      commitMs += performance.now() - c0
    }
    let blocks = 0
    const t1 = performance.now()
    while (pool.status().ready > 0) {
      chain.produceBlock(author, pool.source(), Date.now() + blocks * 1000)
      blocks++
    }
    executeMs = performance.now() - t1 - commitMs
    const total = validateMs + executeMs + commitMs
    return {
      kind,
      transactions: signed.length,
      blocks,
      perSecond: signed.length / (total / 1000),
      split: { validateMs, executeMs, commitMs },
      anchorVerifyPerSecond: measureAnchor(pairs[0]!),
    }
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
