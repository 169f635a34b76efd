/**
 * Outsourcing a storage proof (issue #18, item 6): what a node that keeps none of a file's blocks
 * needs to answer a challenge anyway, by fetching them from another holder when challenged.
 *
 * One process, real parts: a holder (an IPFS node on an LMDB repo with the file added as Kubo does)
 * and, each round, a fresh outsourcer (another IPFS node) connected to it over loopback TCP (noise,
 * yamux), told of it by provider hints as a storage node is. The outsourcer keeps only what the
 * sWorker keeps beside the sealed blocks: the content tree's upper levels and the blocks' offsets
 * (about 0.05 % of the file). In the same run, a sWorker seals the file from the holder's
 * blockstore (the honest node). For `proofs` random segments per round (each in blocks not fetched
 * before in that round), it times:
 * - the anchor: the honest node's proof (`SegmentProver.prove`: unseal the block or two, path);
 * - the outsourced proof: those blocks fetched over bitswap, then `storageProof.proveSegment`;
 * both verified against the root. Medians per round, then the median of the rounds; ratios to the
 * anchor and to the answer window W (blocks x block time, Crust's runtime defaults and the dev spec).
 *
 *   npx node bench/dist/outsourcing.js [--size 64] [--proofs 20] [--rounds 3]   (MiB; `npm run bench`: BENCH_OUTSOURCING_MIB)
 */
import { randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { builtinSpec, defaultRuntimeConfig } from '@crust-ts/chain'
import { createIpfsNode, kuboAddOptions } from '@crust-ts/ipfs'
import { storageProof } from '@crust-ts/protocol'
import { blockstoreBlockSource, devAttestationAuthority, Sworker } from '@crust-ts/sworker'
import { cryptoWaitReady } from '@polkadot/util-crypto'

const MiB = 1024 * 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
/** The sWorker's kept content-tree height (64-segment chunks); the outsourcer keeps the same levels. */
const KEEP_HEIGHT = 6

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** One block of the file's content: where it starts and how long it is. */
interface LaidBlock {
  cid: CID
  offset: number
  length: number
}

export interface AnswerWindow {
  name: string
  blocks: number
  blockTimeMs: number
  seconds: number
}

export interface OutsourcingBenchResult {
  sizeMiB: number
  blocks: number
  rounds: number
  proofs: number
  /** Medians of the rounds of per-proof medians, ms. */
  localMs: number
  outsourcedMs: number
  /** The slowest outsourced proof seen in any round, ms. */
  outsourcedMaxMs: number
  /** What the outsourcer keeps per file (tree levels + offsets), bytes. */
  keptBytes: number
  windows: AnswerWindow[]
}

/** The DAG's blocks in depth-first order (the content's order), read from `store`. */
async function layout(store: { get(cid: CID): Promise<Uint8Array> }, root: CID): Promise<{ blocks: LaidBlock[]; content: Uint8Array }> {
  const blocks: LaidBlock[] = []
  const parts: Uint8Array[] = []
  let offset = 0
  const walk = async (cid: CID): Promise<void> => {
    const bytes = await store.get(cid)
    blocks.push({ cid, offset, length: bytes.length })
    parts.push(bytes)
    offset += bytes.length
    if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) await walk(link.Hash)
  }
  await walk(root)
  return { blocks, content: new Uint8Array(Buffer.concat(parts)) }
}

/** The blocks holding bytes [start, end) of the content. */
const blocksOver = (blocks: LaidBlock[], start: number, end: number) => blocks.filter((b) => b.offset < end && b.offset + b.length > start)

/** A proof of segment `index` from blocks fetched from other holders (the outsourcer's answer). */
async function outsourcedProof(fetch: { get(cid: CID): Promise<Uint8Array> }, tree: storageProof.ContentTree, blocks: LaidBlock[], index: number) {
  const { start, end } = storageProof.chunkRange(tree, index)
  const chunk = new Uint8Array(end - start)
  await Promise.all(
    blocksOver(blocks, start, end).map(async (b) => {
      const bytes = await fetch.get(b.cid)
      const from = Math.max(start, b.offset)
      const to = Math.min(end, b.offset + b.length)
      chunk.set(bytes.subarray(from - b.offset, to - b.offset), from - start)
    }),
  )
  return storageProof.proveSegment(tree, index, chunk)
}

export async function runOutsourcingBench(params: { sizeMiB?: number; proofs?: number; rounds?: number } = {}): Promise<OutsourcingBenchResult> {
  await cryptoWaitReady()
  const sizeMiB = params.sizeMiB ?? 64
  const proofs = params.proofs ?? 20
  const rounds = Math.max(1, params.rounds ?? 3)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-outsourcing-bench-'))
  const holder = await createIpfsNode({ repoPath: path.join(work, 'holder'), swarm: LOOPBACK })
  const sworker = await Sworker.open({ dataDir: path.join(work, 'sworker'), authority: devAttestationAuthority(), srdUnitSize: MiB })
  try {
    const bytes = randomFillSync(new Uint8Array(sizeMiB * MiB))
    const cid = await holder.fs.addBytes(bytes, kuboAddOptions())
    const local = blockstoreBlockSource(holder.helia.blockstore)
    await sworker.sealer.seal(cid, local)
    const file = cid.toString()
    const { blocks, content } = await layout(local, cid)
    const tree = storageProof.contentTree(content, KEEP_HEIGHT)
    if (!equalBytes(tree.root, sworker.prover.tree(file).root)) throw new Error("the outsourcer's root differs from the sWorker's")
    const keptBytes = tree.levels.reduce((n, level) => n + level.length, 0) + blocks.length * 48
    const segments = storageProof.segmentCount(tree.size)
    const localRounds: number[] = []
    const outsourcedRounds: number[] = []
    let outsourcedMaxMs = 0
    for (let r = 0; r < rounds; r++) {
      const outsourcer = await createIpfsNode({
        repoPath: path.join(work, `outsourcer-${r}`),
        swarm: LOOPBACK,
        providerHints: { providersOf: async () => [{ peerId: holder.libp2p.peerId.toString(), multiaddrs: holder.libp2p.getMultiaddrs().map(String) }] },
      })
      try {
        // A storage node is connected to other storage nodes already: the dial is not counted.
        await outsourcer.libp2p.dial(holder.libp2p.getMultiaddrs())
        const remote = blockstoreBlockSource(outsourcer.helia.blockstore)
        const fetched = new Set<string>()
        const localMs: number[] = []
        const outsourcedMs: number[] = []
        while (outsourcedMs.length < proofs) {
          const index = Math.floor(Math.random() * segments)
          const { start, end } = storageProof.chunkRange(tree, index)
          const needed = blocksOver(blocks, start, end).map((b) => b.cid.toString())
          if (needed.some((c) => fetched.has(c))) continue
          for (const c of needed) fetched.add(c)
          let t = performance.now()
          const honest = await sworker.prover.prove(file, index)
          if (!storageProof.verifySegmentProof(tree, index, honest.proof)) throw new Error('a local proof did not verify')
          localMs.push(performance.now() - t)
          t = performance.now()
          const proof = await outsourcedProof(remote, tree, blocks, index)
          if (!storageProof.verifySegmentProof(tree, index, proof)) throw new Error('an outsourced proof did not verify')
          const ms = performance.now() - t
          outsourcedMs.push(ms)
          outsourcedMaxMs = Math.max(outsourcedMaxMs, ms)
        }
        localRounds.push(median(localMs))
        outsourcedRounds.push(median(outsourcedMs))
      } finally {
        await outsourcer.stop()
      }
    }
    return {
      sizeMiB,
      blocks: blocks.length,
      rounds,
      proofs,
      localMs: median(localRounds),
      outsourcedMs: median(outsourcedRounds),
      outsourcedMaxMs,
      keptBytes,
      windows: answerWindows(),
    }
  } finally {
    await sworker.close()
    await holder.stop()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** W in blocks and seconds: Crust's runtime defaults (6 s blocks) and `crust dev`'s spec (1 s blocks, as `crust dev` runs). */
export function answerWindows(): AnswerWindow[] {
  const dev = builtinSpec('dev')!
  const devBlocks = dev.runtime?.challengeWindow ?? defaultRuntimeConfig.challengeWindow
  const devBlockMs = 1000
  return [
    {
      name: 'runtime default',
      blocks: defaultRuntimeConfig.challengeWindow,
      blockTimeMs: defaultRuntimeConfig.blockTimeMs,
      seconds: (defaultRuntimeConfig.challengeWindow * defaultRuntimeConfig.blockTimeMs) / 1000,
    },
    { name: 'dev spec', blocks: devBlocks, blockTimeMs: devBlockMs, seconds: (devBlocks * devBlockMs) / 1000 },
  ]
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export function formatOutsourcingBench(r: OutsourcingBenchResult): string {
  const ms = (n: number) => n.toFixed(2)
  return [
    `outsourcing (issue #18): a node that keeps no block of a ${r.sizeMiB} MiB file (${r.blocks} blocks; it keeps ${(r.keptBytes / 1024).toFixed(0)} KiB of tree levels and offsets) ` +
      `answers a challenge by fetching the block(s) from a holder (bitswap, loopback TCP, one process), medians of ${r.rounds} rounds of ${r.proofs} proofs`,
    `  anchor: the honest node's proof (unseal + path + verify) ${ms(r.localMs)} ms`,
    `  outsourced: fetch + path + verify ${ms(r.outsourcedMs)} ms (slowest ${ms(r.outsourcedMaxMs)} ms) = ${(r.outsourcedMs / r.localMs).toFixed(1)} x the anchor`,
    ...r.windows.map(
      (w) =>
        `  vs W (${w.name}: ${w.blocks} blocks x ${w.blockTimeMs / 1000} s = ${w.seconds} s): the outsourced proof takes ${((100 * r.outsourcedMs) / (1000 * w.seconds)).toExponential(1)} % of it ` +
        `(W / outsourced = ${((1000 * w.seconds) / r.outsourcedMs).toExponential(1)})`,
    ),
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: '64' }, proofs: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } },
  })
  console.log(formatOutsourcingBench(await runOutsourcingBench({ sizeMiB: Number(values.size), proofs: Number(values.proofs), rounds: Number(values.rounds) })))
}
