/**
 * State pruning benchmark: the same sealed blocks of signed transfers (built once) imported into a
 * pruned database (keep 256) and into an archive one, each block finalized as it is imported.
 * Prints the trie nodes and the LMDB file size over the blocks for both (absolute figures, side
 * by side), and the import time with pruning as a ratio to the import time without it, measured in
 * the same run (median of the rounds; the order of the two alternates between rounds).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import {
  builtinSpec,
  Chain,
  ChainDatabase,
  type ChainSpec,
  decodeExtrinsic,
  defaultRuntimeConfig,
  Runtime,
  signerFromUri,
  type StateMode,
} from '@crust-ts/chain'

const BLOCK_TIME = 1000
const KEEP = 256

export interface PruningBenchResult {
  blocks: number
  transfersPerBlock: number
  keep: number
  /** Per checkpoint: block number, trie nodes and data.mdb bytes of the pruned and the archive database. */
  growth: Array<{ block: number; pruned: { nodes: number; bytes: number }; archive: { nodes: number; bytes: number } }>
  importMs: { pruned: number[]; archive: number[] }
  /** Median import time with pruning / median without. */
  ratio: number
}

interface BuiltBlock {
  header: Uint8Array
  extrinsics: Uint8Array[]
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** Builds `blocks` sealed blocks of `perBlock` transfers on an archive chain in a temp folder. */
async function buildBlocks(spec: ChainSpec, runtime: Runtime, blocks: number, perBlock: number): Promise<BuiltBlock[]> {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const senders = Array.from({ length: perBlock }, (_, i) => keyring.addFromUri(`//prune//${i}`))
  spec.genesis.balances.push(...senders.map((p): [string, string] => [p.address, (10n ** 18n).toString()]))
  const dir = mkdtempSync(join(tmpdir(), 'crust-bench-prune-src-'))
  const db = ChainDatabase.open(dir, { state: 'archive' })
  try {
    const chain = Chain.open(db, runtime, spec, { finality: 'external' })
    const registry = runtime.registry
    const version = registry.createType('RuntimeVersion', runtime.version)
    const signer = signerFromUri('//Alice//stash')
    const dest = u8aToHex(keyring.addFromUri('//Ferdie').publicKey)
    const start = Math.floor(Date.now() / BLOCK_TIME) - blocks - 10
    const out: BuiltBlock[] = []
    for (let b = 0; b < blocks; b++) {
      const txs = senders.map((pair, i) => {
        const call = registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: dest }, value: 1_000_000_000n + BigInt(i) } })
        const xt = registry.createType('Extrinsic', call)
        xt.sign(pair, { blockHash: chain.genesis.hash, genesisHash: chain.genesis.hash, nonce: b, runtimeVersion: version, era: 0 } as never)
        return decodeExtrinsic(runtime, xt.toU8a())
      })
      const slot = start + b
      const imported = chain.produceBlock(signer.publicKey, txs, slot * BLOCK_TIME + 10, { signer, slot })
      out.push({ header: chain.headerBytesOf(imported.block.hash)!, extrinsics: imported.extrinsics })
    }
    return out
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Imports and finalizes `blocks` into a new database in `state` mode; samples its growth at `every` blocks. */
async function importInto(
  state: StateMode,
  spec: ChainSpec,
  runtime: Runtime,
  blocks: BuiltBlock[],
  every: number,
): Promise<{ ms: number; samples: Array<{ block: number; nodes: number; bytes: number }> }> {
  const dir = mkdtempSync(join(tmpdir(), `crust-bench-prune-${state}-`))
  const db = ChainDatabase.open(dir, { state })
  const samples: Array<{ block: number; nodes: number; bytes: number }> = []
  try {
    const chain = Chain.open(db, runtime, spec, { finality: 'external', pruning: KEEP })
    let ms = 0
    for (let i = 0; i < blocks.length; i++) {
      const t0 = performance.now()
      const result = chain.importBlock(blocks[i]!.header, blocks[i]!.extrinsics)
      chain.finalize(result.block.hash)
      ms += performance.now() - t0
      if ((i + 1) % every === 0) samples.push({ block: i + 1, nodes: db.countNodes(), bytes: statSync(join(dir, 'data.mdb')).size })
    }
    return { ms, samples }
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function runPruningBench(options: { blocks?: number; transfersPerBlock?: number; rounds?: number } = {}): Promise<PruningBenchResult> {
  await cryptoWaitReady()
  const blocks = options.blocks ?? 1500
  const perBlock = options.transfersPerBlock ?? 10
  const rounds = options.rounds ?? 3
  const spec = builtinSpec('dev')!
  const runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
  const built = await buildBlocks(spec, runtime, blocks, perBlock)
  const every = Math.max(1, Math.floor(blocks / 6))
  const importMs = { pruned: [] as number[], archive: [] as number[] }
  let growth: PruningBenchResult['growth'] = []
  for (let r = 0; r < rounds; r++) {
    const order: StateMode[] = r % 2 === 0 ? ['pruned', 'archive'] : ['archive', 'pruned']
    const runs: Partial<Record<StateMode, Awaited<ReturnType<typeof importInto>>>> = {}
    for (const mode of order) runs[mode] = await importInto(mode, spec, runtime, built, every)
    importMs.pruned.push(runs.pruned!.ms)
    importMs.archive.push(runs.archive!.ms)
    if (r === 0) growth = runs.pruned!.samples.map((p, i) => ({ block: p.block, pruned: p, archive: runs.archive!.samples[i]! }))
  }
  return { blocks, transfersPerBlock: perBlock, keep: KEEP, growth, importMs, ratio: median(importMs.pruned) / median(importMs.archive) }
}

export function formatPruningBench(r: PruningBenchResult): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`
  return [
    `chain: state pruning, ${r.blocks} blocks of ${r.transfersPerBlock} transfers each, imported and finalized block by block (absolute sizes, same blocks for both):`,
    ...r.growth.map(
      (g) =>
        `  block ${g.block}: pruned (keep ${r.keep}) ${g.pruned.nodes} trie nodes, data.mdb ${mib(g.pruned.bytes)}; archive ${g.archive.nodes} trie nodes, ${mib(g.archive.bytes)}`,
    ),
    `  import time with pruning / without = ${r.ratio.toFixed(2)} (median of ${r.importMs.pruned.length} rounds: ${median(r.importMs.pruned).toFixed(0)} ms vs ${median(r.importMs.archive).toFixed(0)} ms)`,
  ].join('\n')
}
