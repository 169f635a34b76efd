/**
 * Storage proof generation benchmark (not a test): seals a file of each size (Kubo defaults, in
 * memory), then measures in the same run, `rounds` times (median reported):
 * - anchor: unsealing one random block (read, AES-256-GCM open, CID check), what every proof needs at least;
 * - proof: `SegmentProver.prove` of a random segment (its 64 KiB chunk unsealed from the block or two
 *   holding it, the chunk's levels rebuilt, the path read from the kept tree), then verified.
 *
 *   npx node packages/sworker/dist/test/bench/proof.bench.js [--sizes 1,64] [--proofs 200] [--rounds 3]
 * `npm run bench` runs it through bench/run.ts (BENCH_PROOF_MIB, default 1,256).
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { storageProof } from '@crust-ts/protocol'
import { blockstoreBlockSource, devAttestationAuthority, Sworker } from '../../src/index.js'
import { fileBytes, importFile, tempDir } from '../fixtures/dag.js'

const MiB = 1024 * 1024

export interface ProofBenchRow {
  sizeMiB: number
  blocks: number
  /** Per proof and per single-block unseal, ms (medians of the rounds). */
  proofMs: number
  unsealBlockMs: number
  ratio: number
  /** Encoded proof size (segment + path). */
  proofBytes: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function runProofBench(params: { sizesMiB?: number[]; proofs?: number; rounds?: number } = {}): Promise<ProofBenchRow[]> {
  const rows: ProofBenchRow[] = []
  const proofs = params.proofs ?? 200
  for (const sizeMiB of params.sizesMiB ?? [1, 64]) {
    const tmp = tempDir()
    const sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: MiB })
    try {
      const { blockstore, cid } = await importFile(fileBytes(sizeMiB * MiB, `proof-bench-${sizeMiB}`))
      const record = await sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
      const file = cid.toString()
      const tree = sworker.prover.tree(file)
      const segments = storageProof.segmentCount(record.size)
      let seed = 1
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        return seed % n
      }
      const proofRounds: number[] = []
      const unsealRounds: number[] = []
      let proofBytes = 0
      for (let r = 0; r < (params.rounds ?? 3); r++) {
        let t = performance.now()
        for (let i = 0; i < proofs; i++) {
          if (sworker.sealer.verifyBlock(file, random(record.blockCount)) === undefined) throw new Error('a block did not unseal')
        }
        unsealRounds.push((performance.now() - t) / proofs)
        t = performance.now()
        for (let i = 0; i < proofs; i++) {
          const index = random(segments)
          const { proof } = await sworker.prover.prove(file, index)
          if (!storageProof.verifySegmentProof(tree, index, proof)) throw new Error('a proof did not verify')
          proofBytes = Math.max(proofBytes, proof.segment.length + 32 * proof.path.length)
        }
        proofRounds.push((performance.now() - t) / proofs)
      }
      const proofMs = median(proofRounds)
      const unsealBlockMs = median(unsealRounds)
      rows.push({ sizeMiB, blocks: record.blockCount, proofMs, unsealBlockMs, ratio: proofMs / unsealBlockMs, proofBytes })
    } finally {
      await sworker.close()
      tmp.remove()
    }
  }
  return rows
}

export function formatProofBench(rows: ProofBenchRow[]): string {
  return rows
    .map(
      (r) =>
        `sworker: storage proof of a random segment of a ${r.sizeMiB} MiB sealed file (${r.blocks} blocks), median of rounds: ${r.proofMs.toFixed(2)} ms ` +
        `(unseal + path + verify; ${r.proofBytes} B); anchor: unsealing one block ${r.unsealBlockMs.toFixed(2)} ms; ratio ${r.ratio.toFixed(2)}`,
    )
    .join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '1,64' }, proofs: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } },
  })
  const rows = await runProofBench({ sizesMiB: values.sizes.split(',').map(Number), proofs: Number(values.proofs), rounds: Number(values.rounds) })
  console.log(formatProofBench(rows))
}
