/**
 * The trie nodes of a state being downloaded, kept in a temporary file until the state's root is
 * checked and the nodes are installed: a multi-GB state costs disk, not memory. Nodes are appended
 * through a bounded buffer and read back in bounded blocks, in the order they were added, or
 * sorted by hash with each hash once ({@link NodeSpillFile.sortedNodes}: an external merge sort in
 * bounded memory), which lets the install append them to the store instead of writing every node
 * to a random place of it.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Bytes buffered before a write, and read per block when the nodes are read back. */
const SPILL_BLOCK_BYTES = 16 * 1024 * 1024
/** Bytes of nodes sorted in memory at a time (one sorted run); a larger state is merged from runs on disk. */
const DEFAULT_SORT_RUN_BYTES = 128 * 1024 * 1024
/** Read buffer of each run during the merge (a 15 GB state makes ~120 runs: ~120 MiB of buffers). */
const RUN_READ_BYTES = 1024 * 1024
/** Each record: the node's 32-byte hash, its encoding's length (u32 LE), the encoding. */
const HASH_BYTES = 32
const RECORD_HEAD_BYTES = HASH_BYTES + 4
/** A sorted run's record: the hash, the encoding's length (u32 LE), its places (u32 LE), the encoding. */
const RUN_HEAD_BYTES = HASH_BYTES + 8

/** A node once, with the number of places it holds in the state. */
export type CountedNode = [hash: Uint8Array, encoding: Uint8Array, places: number]

export class NodeSpillFile {
  private readonly dir: string
  private readonly file: string
  private readonly fd: number
  private readonly out: RecordWriter
  private disposed = false
  /** Nodes added. */
  count = 0

  private runs = 0

  /** A new, empty spill file in a fresh folder under `parent` (the system's temp folder by default). */
  constructor(
    parent: string = tmpdir(),
    private readonly sortRunBytes = DEFAULT_SORT_RUN_BYTES,
  ) {
    this.dir = mkdtempSync(join(parent, 'state-sync-'))
    this.file = join(this.dir, 'nodes')
    this.fd = openSync(this.file, 'w+')
    this.out = new RecordWriter(this.fd)
  }

  add(hash: Uint8Array, encoding: Uint8Array): void {
    this.out.write(hash, encoding)
    this.count++
  }

  /** Bytes of the file once flushed (records with their heads). */
  get bytes(): number {
    return this.out.bytes
  }

  /** Every node added, in order; each read pass goes over the file in blocks of {@link SPILL_BLOCK_BYTES}. */
  *nodes(): IterableIterator<[Uint8Array, Uint8Array]> {
    this.flush()
    let carry = Buffer.alloc(0)
    let position = 0
    for (;;) {
      // The unread tail of the last block first, then a block's worth read after it.
      const block = Buffer.allocUnsafe(carry.length + SPILL_BLOCK_BYTES)
      carry.copy(block, 0)
      const read = readSync(this.fd, block, carry.length, SPILL_BLOCK_BYTES, position)
      if (read === 0) break
      position += read
      const buf = block.subarray(0, carry.length + read)
      let offset = 0
      while (offset + RECORD_HEAD_BYTES <= buf.length) {
        const length = buf.readUInt32LE(offset + HASH_BYTES)
        const end = offset + RECORD_HEAD_BYTES + length
        if (end > buf.length) break
        // Views, not copies: every block is a fresh buffer (never written again), so a node kept by
        // the consumer stays valid. Plain Uint8Arrays, not Buffers (whose slice() is a view).
        yield [view(buf, offset, HASH_BYTES), view(buf, offset + RECORD_HEAD_BYTES, length)]
        offset = end
      }
      carry = Buffer.from(buf.subarray(offset))
    }
    if (carry.length !== 0) throw new Error(`state spill file ends inside a record (${carry.length} bytes left)`)
  }

  /**
   * Every node once, ascending by hash, with its count of places (the same node at two places of
   * the trie was added twice). Runs of up to `sortRunBytes` are sorted in memory; a larger state
   * is written as sorted runs next to the spill file and merged while it is read (the runs are
   * removed when the merge ends or is abandoned, and with the folder on dispose). `onRun` hears of
   * each sorted run written, with the nodes read so far (a 15 GB state takes minutes to sort).
   */
  *sortedNodes(onRun?: (runs: number, nodesRead: number) => void): IterableIterator<CountedNode> {
    this.flush()
    const runFiles: string[] = []
    let batch: Array<[Uint8Array, Uint8Array]> = []
    let batchBytes = 0
    let read = 0
    const spillRun = () => {
      const file = join(this.dir, `run-${this.runs++}`)
      writeRun(file, countSorted(batch))
      runFiles.push(file)
      batch = []
      batchBytes = 0
      onRun?.(runFiles.length, read)
    }
    for (const node of this.nodes()) {
      read++
      batch.push(node)
      batchBytes += RECORD_HEAD_BYTES + node[1].length
      if (batchBytes >= this.sortRunBytes) spillRun()
    }
    if (runFiles.length === 0) {
      yield* countSorted(batch)
      return
    }
    if (batch.length > 0) spillRun()
    try {
      yield* mergeRuns(runFiles)
    } finally {
      for (const file of runFiles) rmSync(file, { force: true })
    }
  }

  /** Closes and removes the file (idempotent). */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    closeSync(this.fd)
    rmSync(this.dir, { recursive: true, force: true })
  }

  private flush(): void {
    this.out.flush()
  }
}

/**
 * Writes records (a 32-byte hash, the encoding's length as u32 LE, optionally a count as u32 LE,
 * the encoding) to a file through one block buffer: each record is copied once, into the block.
 */
class RecordWriter {
  private readonly block = Buffer.allocUnsafe(SPILL_BLOCK_BYTES)
  private used = 0
  /** Bytes written to the file so far (flushed). */
  bytes = 0

  constructor(private readonly fd: number) {}

  write(hash: Uint8Array, encoding: Uint8Array, count?: number): void {
    const head = count === undefined ? RECORD_HEAD_BYTES : RUN_HEAD_BYTES
    if (this.used + head + encoding.length > this.block.length) this.flush()
    if (head + encoding.length > this.block.length) {
      // A node larger than the block: its head through the block, its encoding straight to the file.
      this.writeHead(hash, encoding.length, count)
      this.flush()
      this.writeOut(encoding)
      return
    }
    this.writeHead(hash, encoding.length, count)
    this.block.set(encoding, this.used)
    this.used += encoding.length
  }

  flush(): void {
    if (this.used === 0) return
    this.writeOut(this.block.subarray(0, this.used))
    this.used = 0
  }

  private writeHead(hash: Uint8Array, length: number, count: number | undefined): void {
    this.block.set(hash, this.used)
    this.block.writeUInt32LE(length, this.used + HASH_BYTES)
    if (count !== undefined) this.block.writeUInt32LE(count, this.used + HASH_BYTES + 4)
    this.used += count === undefined ? RECORD_HEAD_BYTES : RUN_HEAD_BYTES
  }

  private writeOut(data: Uint8Array): void {
    for (let written = 0; written < data.length; ) written += writeSync(this.fd, data, written, data.length - written, this.bytes + written)
    this.bytes += data.length
  }
}

/** A plain Uint8Array over `length` bytes of `buf` from `offset` (no copy). */
function view(buf: Buffer, offset: number, length: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + offset, length)
}

function compareHashes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

/** A hash's first 6 bytes as a number: orders hashes as their bytes do, except between equal prefixes. */
function hashPrefix(hash: Uint8Array): number {
  return (hash[0]! * 0x10000 + hash[1]! * 0x100 + hash[2]!) * 0x1000000 + (hash[3]! * 0x10000 + hash[4]! * 0x100 + hash[5]!)
}

/** The batch sorted by hash, equal hashes folded into one node with their count. */
function countSorted(batch: Array<[Uint8Array, Uint8Array]>): CountedNode[] {
  // Sorting numbers first: a comparator on the hash bytes alone made the sort most of the install's time.
  const prefixes = new Float64Array(batch.length)
  for (let i = 0; i < batch.length; i++) prefixes[i] = hashPrefix(batch[i]![0])
  const order = new Uint32Array(batch.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  order.sort((a, b) => prefixes[a]! - prefixes[b]! || compareHashes(batch[a]![0], batch[b]![0]))
  const out: CountedNode[] = []
  for (const i of order) {
    const [hash, encoding] = batch[i]!
    const last = out.at(-1)
    if (last !== undefined && compareHashes(last[0], hash) === 0) last[2]++
    else out.push([hash, encoding, 1])
  }
  return out
}

function writeRun(file: string, nodes: readonly CountedNode[]): void {
  const fd = openSync(file, 'w')
  try {
    const out = new RecordWriter(fd)
    for (const [hash, encoding, places] of nodes) out.write(hash, encoding, places)
    out.flush()
  } finally {
    closeSync(fd)
  }
}

/** Reads one sorted run's records in order through a bounded buffer. */
class RunReader {
  private readonly fd: number
  private buf = Buffer.alloc(0)
  private offset = 0
  private position = 0
  head: CountedNode | undefined
  /** {@link hashPrefix} of the head's hash. */
  prefix = 0

  constructor(file: string) {
    this.fd = openSync(file, 'r')
    this.advance()
  }

  /** Moves `head` to the next record (undefined at the end, when the file is closed). */
  advance(): void {
    if (!this.fill(RUN_HEAD_BYTES)) {
      this.end()
      return
    }
    const length = this.buf.readUInt32LE(this.offset + HASH_BYTES)
    if (!this.fill(RUN_HEAD_BYTES + length)) throw new Error('state sort run ends inside a record')
    const at = this.offset
    // Views: each fill reads into a fresh buffer, so a head kept past the next fill stays valid.
    this.head = [view(this.buf, at, HASH_BYTES), view(this.buf, at + RUN_HEAD_BYTES, length), this.buf.readUInt32LE(at + HASH_BYTES + 4)]
    this.prefix = hashPrefix(this.head[0])
    this.offset += RUN_HEAD_BYTES + length
  }

  close(): void {
    if (this.head !== undefined) this.end()
  }

  /** Makes `bytes` unread bytes available; false at the end of the file. */
  private fill(bytes: number): boolean {
    const available = this.buf.length - this.offset
    if (available >= bytes) return true
    const next = Buffer.allocUnsafe(Math.max(bytes, RUN_READ_BYTES))
    this.buf.copy(next, 0, this.offset)
    let filled = available
    while (filled < bytes) {
      const read = readSync(this.fd, next, filled, next.length - filled, this.position)
      if (read === 0) break
      this.position += read
      filled += read
    }
    this.buf = next.subarray(0, filled)
    this.offset = 0
    if (filled === 0) return false
    if (filled < bytes) throw new Error('state sort run ends inside a record')
    return true
  }

  private end(): void {
    this.head = undefined
    closeSync(this.fd)
  }
}

/** The k-way merge of sorted runs (a binary heap on their heads), equal hashes folded. */
function* mergeRuns(files: readonly string[]): Generator<CountedNode> {
  const readers = files.map((file) => new RunReader(file))
  try {
    const heap = readers.filter((r) => r.head !== undefined)
    const less = (a: RunReader, b: RunReader) => (a.prefix - b.prefix || compareHashes(a.head![0], b.head![0])) < 0
    const siftDown = (from: number) => {
      for (let i = from; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let min = i
        if (l < heap.length && less(heap[l]!, heap[min]!)) min = l
        if (r < heap.length && less(heap[r]!, heap[min]!)) min = r
        if (min === i) return
        ;[heap[i], heap[min]] = [heap[min]!, heap[i]!]
        i = min
      }
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i)
    let current: CountedNode | undefined
    while (heap.length > 0) {
      const top = heap[0]!
      const node = top.head!
      if (current !== undefined && compareHashes(current[0], node[0]) === 0) current[2] += node[2]
      else {
        if (current !== undefined) yield current
        current = node
      }
      top.advance()
      if (top.head === undefined) {
        heap[0] = heap.at(-1)!
        heap.pop()
      }
      siftDown(0)
    }
    if (current !== undefined) yield current
  } finally {
    for (const r of readers) r.close()
  }
}
