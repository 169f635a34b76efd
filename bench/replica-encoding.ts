/**
 * A study, not a feature (issue #18, item 6): the cost of a replica-unique sequential encoding on
 * the sealing path, and how long an outsourcer would need to regenerate a challenged segment.
 *
 * The prototype encoding (not used by the sWorker): the file's content (its blocks in DAG order, as
 * the content root defines it) in 1 KiB segments, each XORed with an AES-256-CTR keystream whose key
 * is `sha256(tag ‖ node identity ‖ file CID)` and whose IV hashes the previous *encoded* segment, so
 *   e_0 = d_0 ⊕ AES-CTR(k, H(k)),  e_i = d_i ⊕ AES-CTR(k, H(k ‖ e_{i−1}))
 * Decoding segment i needs only e_{i−1} and e_i (what the honest node stores: O(1)); producing e_i
 * from the public content needs e_0 … e_{i−1} first (a chain, not parallelisable), so a node that
 * kept nothing regenerates the last segment of a file by re-encoding all of it.
 *
 * One process, the same data (random bytes added to an IPFS node's LMDB repo as Kubo does), each of
 * `rounds` rounds (median round reported):
 * - today: `Sealer.seal` of the file into a fresh sWorker (the anchor);
 * - the encoding alone: the same blocks read from the repo in DAG order and encoded (one thread);
 * - the same chain with 64 KiB links (a cheaper encoding), to show the trade-off;
 * - with it on the sealing path: seal + encode (the encoding after the seal, on the main thread:
 *   what adding it to today's path costs; one file's chain cannot be spread over the seal threads).
 * The regeneration time of the last segment is the encoding of the whole content, measured at the
 * bench's size and extrapolated linearly to 1 GiB (the chain's cost is linear by construction).
 *
 *   npx node bench/dist/replica-encoding.js [--size 64] [--rounds 3]   (MiB; `npm run bench`: BENCH_REPLICA_MIB)
 */
import { createCipheriv, createHash, randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, kuboAddOptions } from '@crust-ts/ipfs'
import { storageProof } from '@crust-ts/protocol'
import { blockstoreBlockSource, devAttestationAuthority, Sworker } from '@crust-ts/sworker'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { answerWindows, type AnswerWindow } from './outsourcing.js'

const MiB = 1024 * 1024
const SEGMENT = storageProof.SEGMENT_SIZE
/** The cheaper variant's link: a proof's chunk (64 segments). */
const COARSE_LINK = 64 * SEGMENT
const TAG = new TextEncoder().encode('crust-ts/replica-encoding/study/v0')

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The replica key of node `identity` for file `cid`. */
export function replicaKey(identity: Uint8Array, cid: string): Uint8Array {
  return createHash('sha256').update(TAG).update(identity).update(cid).digest()
}

/** The IV of a segment: the key and the previous encoded segment (none for the first). */
function ivAfter(key: Uint8Array, previous: Uint8Array | undefined): Uint8Array {
  const h = createHash('sha256').update(key)
  if (previous !== undefined) h.update(previous)
  return h.digest().subarray(0, 16)
}

/**
 * Sequential encoder: content pushed in pieces of any size (IPFS blocks), encoded segment by segment,
 * each keyed by the previous encoded one. Returns the encoded bytes of the whole segments pushed.
 */
export class SequentialEncoder {
  private readonly pending: Uint8Array
  private filled = 0
  private previous: Uint8Array | undefined
  /** `linkBytes`: the bytes encoded under one IV (a link of the chain); a segment by default. */
  constructor(
    private readonly key: Uint8Array,
    private readonly linkBytes = SEGMENT,
  ) {
    this.pending = new Uint8Array(linkBytes)
  }

  push(bytes: Uint8Array, sink: (encoded: Uint8Array) => void): void {
    let at = 0
    while (at < bytes.length) {
      const take = Math.min(this.linkBytes - this.filled, bytes.length - at)
      this.pending.set(bytes.subarray(at, at + take), this.filled)
      this.filled += take
      at += take
      if (this.filled === this.linkBytes) this.flush(sink)
    }
  }

  /** Encodes a last, short segment. */
  end(sink: (encoded: Uint8Array) => void): void {
    if (this.filled > 0) this.flush(sink)
  }

  private flush(sink: (encoded: Uint8Array) => void): void {
    const cipher = createCipheriv('aes-256-ctr', this.key, ivAfter(this.key, this.previous))
    const encoded = cipher.update(this.pending.subarray(0, this.filled))
    this.previous = encoded
    this.filled = 0
    sink(encoded)
  }
}

/** Decodes encoded segment `current` from it and the encoded segment before it (what the honest node does). */
export function decodeSegment(key: Uint8Array, previous: Uint8Array | undefined, current: Uint8Array): Uint8Array {
  return createCipheriv('aes-256-ctr', key, ivAfter(key, previous)).update(current)
}

export interface ReplicaEncodingBenchResult {
  sizeMiB: number
  rounds: number
  /** Median-round throughputs over the content's bytes, MiB/s. */
  sealMiBs: number
  encodeMiBs: number
  sealEncodeMiBs: number
  /** (seal + encode) ÷ seal throughput, median round. */
  ratio: number
  /** Seconds to regenerate the last segment: measured at sizeMiB and extrapolated to 1 GiB. */
  regenSeconds: number
  regenSecondsGiB: number
  /** The same chain with 64 KiB links (a cheaper encoding): its speed, sealing ratio and 1 GiB regeneration. */
  coarse: { linkBytes: number; encodeMiBs: number; ratio: number; regenSecondsGiB: number }
  windows: AnswerWindow[]
}

export async function runReplicaEncodingBench(params: { sizeMiB?: number; rounds?: number } = {}): Promise<ReplicaEncodingBenchResult> {
  await cryptoWaitReady()
  const sizeMiB = params.sizeMiB ?? 64
  const rounds = Math.max(1, params.rounds ?? 3)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-replica-bench-'))
  const ipfs = await createIpfsNode({ repoPath: path.join(work, 'ipfs'), swarm: [] })
  try {
    const cid = await ipfs.fs.addBytes(randomFillSync(new Uint8Array(sizeMiB * MiB)), kuboAddOptions())
    const source = blockstoreBlockSource(ipfs.helia.blockstore)
    const identity = randomFillSync(new Uint8Array(32))
    const key = replicaKey(identity, cid.toString())
    /** Reads the DAG in content order and encodes it; returns seconds and the content's size. */
    const encode = async (linkBytes = SEGMENT): Promise<{ s: number; size: number; head: Uint8Array; encodedHead: Uint8Array[] }> => {
      const t = performance.now()
      const encoder = new SequentialEncoder(key, linkBytes)
      let size = 0
      // The content's and the encoding's first two segments, to check the decoding after the clock.
      const head: Uint8Array[] = []
      const encodedHead: Uint8Array[] = []
      const sink = (e: Uint8Array) => {
        if (encodedHead.length < 2) encodedHead.push(e)
      }
      const walk = async (c: CID): Promise<void> => {
        const bytes = await source.get(c)
        if (size < 2 * SEGMENT) head.push(bytes)
        size += bytes.length
        encoder.push(bytes, sink)
        if (c.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) await walk(link.Hash)
      }
      await walk(cid)
      encoder.end(sink)
      return { s: (performance.now() - t) / 1000, size, head: new Uint8Array(Buffer.concat(head)).subarray(0, 2 * SEGMENT), encodedHead }
    }
    const seal = async (r: number): Promise<number> => {
      const sworker = await Sworker.open({ dataDir: path.join(work, `sworker-${r}`), authority: devAttestationAuthority(), srdUnitSize: MiB })
      try {
        const t = performance.now()
        await sworker.sealer.seal(cid, source)
        return (performance.now() - t) / 1000
      } finally {
        await sworker.close()
      }
    }
    const rows: { seal: number; encode: number; size: number }[] = []
    const coarse: number[] = []
    for (let r = 0; r < rounds; r++) {
      const sealS = await seal(r)
      const enc = await encode()
      // The honest node's decode of a segment from it and the one before: O(1), and it gives the content back.
      const [e0, e1] = enc.encodedHead
      if (e0 === undefined || e1 === undefined) throw new Error('the bench needs a file of at least 2 KiB')
      if (!Buffer.from(decodeSegment(key, e0, e1)).equals(enc.head.subarray(SEGMENT, 2 * SEGMENT))) throw new Error('segment 1 did not decode')
      if (!Buffer.from(decodeSegment(key, undefined, e0)).equals(enc.head.subarray(0, SEGMENT))) throw new Error('segment 0 did not decode')
      rows.push({ seal: sealS, encode: enc.s, size: enc.size })
      coarse.push((await encode(COARSE_LINK)).s)
    }
    const size = rows[0]!.size / MiB
    const byRatio = [...rows].sort((a, b) => a.seal / (a.seal + a.encode) - b.seal / (b.seal + b.encode))
    const mid = byRatio[Math.floor(byRatio.length / 2)]!
    const regenSeconds = median(rows.map((r) => r.encode))
    return {
      sizeMiB: size,
      rounds,
      sealMiBs: size / mid.seal,
      encodeMiBs: size / mid.encode,
      sealEncodeMiBs: size / (mid.seal + mid.encode),
      ratio: mid.seal / (mid.seal + mid.encode),
      regenSeconds,
      regenSecondsGiB: (regenSeconds * 1024) / size,
      coarse: {
        linkBytes: COARSE_LINK,
        encodeMiBs: size / median(coarse),
        ratio: mid.seal / (mid.seal + median(coarse)),
        regenSecondsGiB: (median(coarse) * 1024) / size,
      },
      windows: answerWindows(),
    }
  } finally {
    await ipfs.stop()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

export function formatReplicaEncodingBench(r: ReplicaEncodingBenchResult): string {
  const f = (n: number) => n.toFixed(1)
  return [
    `replica-unique sequential encoding (a study, issue #18; not in the sWorker): ${f(r.sizeMiB)} MiB of content, median of ${r.rounds} rounds`,
    `  anchor: sealing today ${f(r.sealMiBs)} MiB/s; the encoding alone (one thread) ${f(r.encodeMiBs)} MiB/s`,
    `  sealing with the encoding: ${f(r.sealEncodeMiBs)} MiB/s = ${(100 * r.ratio).toFixed(0)} % of today (bar: >= 50 %)`,
    `  regenerating the last segment from public data: ${r.regenSeconds.toFixed(2)} s measured, ~${f(r.regenSecondsGiB)} s for 1 GiB (extrapolated, linear)`,
    `  the same chain with ${r.coarse.linkBytes / 1024} KiB links (cheaper): ${f(r.coarse.encodeMiBs)} MiB/s, sealing with it ~${(100 * r.coarse.ratio).toFixed(0)} % of today, 1 GiB regenerates in ~${f(r.coarse.regenSecondsGiB)} s`,
    ...r.windows.map((w) => {
      const sealGiB = 1024 / r.sealMiBs
      const head = `  vs W (${w.name}, ${w.seconds} s): regenerating 1 GiB takes ${((100 * r.regenSecondsGiB) / w.seconds).toFixed(1)} % of it`
      // Whatever the encoding, the honest sealer runs the same chain: regeneration >= W means sealing a GiB takes >= seal + W.
      const bound = `sealing with any sequential encoding whose 1 GiB regeneration exceeds W runs at <= ${sealGiB.toFixed(1)} / (${sealGiB.toFixed(1)} + ${w.seconds}) = ${((100 * sealGiB) / (sealGiB + w.seconds)).toFixed(1)} % of today`
      return r.regenSecondsGiB >= w.seconds
        ? `${head} (exceeds it for files >= ${f((w.seconds * 1024) / r.regenSecondsGiB)} MiB); ${bound}`
        : `${head}; exceeding it needs an encoding ${f(w.seconds / r.regenSecondsGiB)} x slower; ${bound}`
    }),
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '64' }, rounds: { type: 'string', default: '3' } } })
  console.log(formatReplicaEncodingBench(await runReplicaEncodingBench({ sizeMiB: Number(values.size), rounds: Number(values.rounds) })))
}
