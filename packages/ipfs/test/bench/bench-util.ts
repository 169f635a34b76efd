/** Helpers shared by the IPFS benchmarks: generated input, the hash + disk anchor, medians, flags. */
import { createHash, randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const MiB = 1024 * 1024
export const IO_CHUNK = 4 * MiB

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Writes `size` random bytes to `file`, synced before anything is timed. */
export function generate(file: string, size: number): void {
  const fd = fs.openSync(file, 'w')
  try {
    const buf = Buffer.allocUnsafe(IO_CHUNK)
    for (let left = size; left > 0; left -= IO_CHUNK) {
      const n = Math.min(IO_CHUNK, left)
      randomFillSync(buf, 0, n)
      fs.writeSync(fd, buf, 0, n)
    }
    // on disk before anything is timed: its write-back must not compete with the measured writes
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

export function readChunks(file: string): fs.ReadStream {
  return fs.createReadStream(file, { highWaterMark: IO_CHUNK })
}

export async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return (performance.now() - t0) / 1000
}

/** The anchor, measured in the same run: seconds to SHA-256 the file, and to copy it with one fsync. */
export async function measureAnchor(work: string, file: string): Promise<{ sha: number; write: number }> {
  const sha = await seconds(async () => {
    const hash = createHash('sha256')
    for await (const chunk of readChunks(file)) hash.update(chunk as Buffer)
    hash.digest()
  })
  const copy = path.join(work, 'copy.bin')
  const write = await seconds(async () => {
    const fd = fs.openSync(copy, 'w')
    try {
      for await (const chunk of readChunks(file)) fs.writeSync(fd, chunk as Buffer)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  })
  fs.rmSync(copy)
  return { sha, write }
}

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i.exec(text.trim())
  if (match === null) throw new Error(`bad size: ${text}`)
  const units: Record<string, number> = { b: 1, kib: 1024, mib: MiB, gib: 1024 * MiB, kb: 1e3, mb: 1e6, gb: 1e9 }
  return Math.round(Number(match[1]) * units[(match[2] ?? 'mib').toLowerCase()]!)
}

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}
