/**
 * Seal throughput benchmark (not a test). Generates a file of --size MiB (default 256), imports it
 * with Kubo's defaults into an on-disk LMDB blockstore, then measures in the same run:
 * - seal: `Sealer.seal` from that blockstore into the sealed store (verify, encrypt, Merkle, LMDB);
 * - anchor: AES-256-GCM of the same block bytes + sequential write to a file with fsync.
 * Prints throughputs, their ratio and the peak RSS during each phase.
 *
 *   npx node packages/sworker/dist/test/bench/seal.bench.js --size 1024
 */
import { createCipheriv, randomBytes, randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { importer } from 'ipfs-unixfs-importer'
import { open } from 'lmdb'
import type { CID } from 'multiformats/cid'
import { blockstoreBlockSource, devAttestationAuthority, Sworker } from '../../src/index.js'

const MiB = 1024 * 1024
const { values } = parseArgs({ options: { size: { type: 'string', default: '256' } } })
const size = Math.round(Number(values.size) * MiB)
if (!Number.isFinite(size) || size <= 0) throw new Error('--size takes a positive number of MiB')

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-seal-bench-'))
const env = open<Uint8Array, Uint8Array>({ path: path.join(dir, 'source'), encoding: 'binary', keyEncoding: 'binary', compression: false })
const order: Uint8Array[] = []
const blockstore = {
  async put(cid: CID, bytes: Uint8Array) {
    order.push(cid.bytes)
    await env.put(cid.bytes, bytes)
    return cid
  },
  get(cid: CID) {
    const bytes = env.getBinary(cid.bytes)
    if (bytes === undefined) throw new Error(`missing ${cid}`)
    return bytes
  },
  async has(cid: CID) {
    return env.doesExist(cid.bytes)
  },
}

async function* content(): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < size; done += MiB) yield randomFillSync(new Uint8Array(Math.min(MiB, size - done)))
}

class PeakRss {
  peak = process.memoryUsage().rss
  private readonly timer = setInterval(() => this.sample(), 20)
  sample() {
    this.peak = Math.max(this.peak, process.memoryUsage().rss)
  }
  stop(): number {
    clearInterval(this.timer)
    this.sample()
    return this.peak
  }
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1)

try {
  let root: CID | undefined
  // biome-ignore lint/suspicious/noExplicitAny: the bench blockstore implements only what the importer calls
  for await (const entry of importer([{ content: content() }], blockstore as any, { cidVersion: 0, rawLeaves: false, reduceSingleLeafToSelf: false })) root = entry.cid
  await env.flushed
  const baseRss = process.memoryUsage().rss

  // anchor: AES-256-GCM of the same blocks + write + fsync
  const key = randomBytes(32)
  let anchorBytes = 0
  const anchorPeak = new PeakRss()
  const anchorStart = process.hrtime.bigint()
  const fd = fs.openSync(path.join(dir, 'anchor.out'), 'w')
  for (const cidBytes of order) {
    const bytes = env.getBinary(cidBytes)!
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12))
    cipher.setAAD(cidBytes)
    fs.writeSync(fd, cipher.update(bytes))
    cipher.final()
    fs.writeSync(fd, cipher.getAuthTag())
    anchorBytes += bytes.length
  }
  fs.fsyncSync(fd)
  fs.closeSync(fd)
  const anchorSeconds = Number(process.hrtime.bigint() - anchorStart) / 1e9
  const anchorRss = anchorPeak.stop()

  const sworker = await Sworker.open({ dataDir: path.join(dir, 'sworker'), authority: devAttestationAuthority() })
  const sealPeak = new PeakRss()
  const sealStart = process.hrtime.bigint()
  const record = await sworker.sealer.seal(root!, blockstoreBlockSource(blockstore))
  const sealSeconds = Number(process.hrtime.bigint() - sealStart) / 1e9
  const sealRss = sealPeak.stop()
  await sworker.close()

  const sealRate = record.size / MiB / sealSeconds
  const anchorRate = anchorBytes / MiB / anchorSeconds
  const result = {
    fileMiB: Number(mib(size)),
    dagMiB: Number(mib(record.size)),
    blocks: record.blockCount,
    sealMiBs: Number(sealRate.toFixed(1)),
    anchorMiBs: Number(anchorRate.toFixed(1)),
    ratio: Number((sealRate / anchorRate).toFixed(3)),
    baseRssMiB: Number(mib(baseRss)),
    sealPeakRssMiB: Number(mib(sealRss)),
    anchorPeakRssMiB: Number(mib(anchorRss)),
  }
  console.log(`seal   ${result.sealMiBs} MiB/s (${sealSeconds.toFixed(2)} s, ${record.blockCount} blocks)`)
  console.log(`anchor ${result.anchorMiBs} MiB/s (AES-256-GCM + write + fsync)`)
  console.log(`ratio  ${(result.ratio * 100).toFixed(1)} %   peak RSS: base ${result.baseRssMiB} MiB, seal ${result.sealPeakRssMiB} MiB, anchor ${result.anchorPeakRssMiB} MiB`)
  console.log(JSON.stringify(result))
} finally {
  await env.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
