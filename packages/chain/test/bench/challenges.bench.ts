/**
 * Storage challenges on chain: verifying one segment proof (1 MiB and 1 GiB files) against a raw
 * WASM sr25519 verify measured in the same run (the anchor: what every signed extrinsic costs), and
 * `challenges.answer_challenges` with k = 4 proofs of 1 GiB files dispatched through the runtime
 * (decode, set, roots, 4 verifications, records), with its share of a block at Crust's scale
 * (10,000 storage nodes answering once per 600-block report slot) and the bytes it adds to blocks.
 * The 1 GiB files hold zeros, so their trees are built in 20 hashes; verification costs the same
 * for any content (one hash per level). Medians of 3 rounds. Run after building:
 * `npx node packages/chain/dist/test/bench/challenges.bench.js`
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { Keyring } from '@polkadot/keyring'
import { sr25519Verify } from '@polkadot/wasm-crypto'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { storageProof } from '@crust-ts/protocol'
import { ChallengesStorage } from '../../src/pallets/challenges/index.js'
import { ROOT, signed } from '../fixtures/runtime-harness.js'
import { account, newReporter, openBlock, sworkHarness } from '../fixtures/swork-env.js'

const { HASH_LENGTH, SEGMENT_SIZE, hashLeaf, hashNode, rootOf, verifySegmentProof } = storageProof

/** A file of `2^levels` zero segments: its root and the (same) proof of every segment. */
function zeroFile(levels: number): { root: Uint8Array; size: number; proof: storageProof.SegmentProof } {
  const segment = new Uint8Array(SEGMENT_SIZE)
  const path: Uint8Array[] = []
  let node = hashLeaf(segment)
  for (let i = 0; i < levels; i++) {
    path.push(node)
    node = hashNode(node, node)
  }
  const size = 2 ** levels * SEGMENT_SIZE
  return { root: rootOf(size, node), size, proof: { segment, path } }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function timePer(n: number, fn: () => void): number {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn()
  return ((performance.now() - t0) * 1000) / n
}

export interface ChallengesBenchResult {
  /** µs per proof verification. */
  verifyMiB: number
  verifyGiB: number
  /** µs per raw sr25519 verify (the anchor). */
  sr25519: number
  /** µs per answer_challenges dispatch with 4 proofs of 1 GiB files. */
  answer: number
  /** Encoded bytes of the signed answer extrinsic. */
  answerBytes: number
  proofs: number
}

export async function runChallengesBench(rounds = 3): Promise<ChallengesBenchResult> {
  await cryptoWaitReady()
  const mib = zeroFile(10)
  const gib = zeroFile(20)
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//Bench')
  const message = new Uint8Array(100)
  const signature = pair.sign(message)
  const anchors: number[] = []
  const mibs: number[] = []
  const gibs: number[] = []
  for (let r = 0; r < rounds; r++) {
    anchors.push(timePer(2000, () => sr25519Verify(signature, message, pair.publicKey) || fail('sr25519 verify')))
    mibs.push(timePer(5000, () => verifySegmentProof(mib, 7, mib.proof) || fail('1 MiB proof')))
    gibs.push(timePer(5000, () => verifySegmentProof(gib, 7, gib.proof) || fail('1 GiB proof')))
  }

  // The dispatch: one node holding four 1 GiB files ordered with their roots, challenged at slot 60.
  const h = await sworkHarness()
  openBlock(h, 2)
  const text = (s: string) => new TextEncoder().encode(s)
  const cids = [
    'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
    'QmdwgqZy1MZBfWPi7GcxVsYgJEtmvHg6rsLzbCej3tf3oA',
    'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
    'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn',
  ].map(text)
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice').publicKey
  const root = { root: gib.root, size: BigInt(gib.size) }
  for (const cid of cids) {
    const args = { cid, reported_file_size: root.size, tips: 0n, memo: new Uint8Array(), root }
    if (h.call(signed(alice), 'Market', 'place_storage_order_with_root', args) !== undefined) fail('order')
  }
  const node = account(77)
  newReporter(h, node, { added_files: cids.map((cid) => [cid, root.size, 2n] as [Uint8Array, bigint, bigint]), reported_files_size: 4n * root.size })
  h.call(ROOT, 'Challenges', 'set_enabled', { enabled: true })
  openBlock(h, 60)
  const set = ChallengesStorage.OpenChallenges.get(h.state, node)
  if (set === undefined || set.challenges.length !== 4) fail('challenges issued')
  const proofs = set.challenges.map(() => gib.proof)
  const answers: number[] = []
  for (let r = 0; r < rounds; r++) {
    answers.push(
      timePer(200, () => {
        ChallengesStorage.OpenChallenges.insert(h.state, node, set)
        ChallengesStorage.OpenCount.put(h.state, 1)
        h.call(signed(node), 'Challenges', 'answer_challenges', { slot: set.slot, proofs })
        if (ChallengesStorage.OpenChallenges.get(h.state, node) !== undefined) fail('answer refused')
      }),
    )
  }
  // The signed extrinsic's size, as a block carries it.
  const keyring = new Keyring({ type: 'sr25519' })
  const { bytes } = h.submit(keyring.addFromUri('//Eve'), 'Challenges', 'answer_challenges', { slot: set.slot, proofs })
  return {
    verifyMiB: median(mibs),
    verifyGiB: median(gibs),
    sr25519: median(anchors),
    answer: median(answers),
    answerBytes: bytes.length,
    proofs: proofs.length,
  }
}

function fail(what: string): never {
  throw new Error(`challenges bench: ${what} failed`)
}

export function formatChallengesBench(r: ChallengesBenchResult): string {
  const nodes = 10_000
  const slot = 600
  const perBlock = nodes / slot
  const blockShare = (100 * perBlock * r.answer) / 2_000_000
  return [
    `challenges: verify one segment proof: 1 MiB file ${r.verifyMiB.toFixed(1)} µs, 1 GiB file ${r.verifyGiB.toFixed(1)} µs (path ${HASH_LENGTH * 20} B); anchor: raw WASM sr25519 verify ${r.sr25519.toFixed(1)} µs (ratio 1 GiB proof : sr25519 = ${(r.verifyGiB / r.sr25519).toFixed(2)})`,
    `  answer_challenges with ${r.proofs} proofs of 1 GiB files through the runtime: ${r.answer.toFixed(0)} µs; at Crust's scale (${nodes} nodes, one answer per ${slot}-block slot: ${perBlock.toFixed(1)} answers per block) ${blockShare.toFixed(2)} % of a 2 s block`,
    `  the signed answer is ${r.answerBytes} B: ${((nodes * r.answerBytes) / 1e6).toFixed(0)} MB of blocks per hour-long slot at that scale`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatChallengesBench(await runChallengesBench()))
}
