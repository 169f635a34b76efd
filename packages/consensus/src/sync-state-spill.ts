/**
 * The trie nodes of a state being downloaded, kept in a temporary file until the state's root is
 * checked and the nodes are installed: a multi-GB state costs disk, not memory. Nodes are appended
 * through a bounded buffer and read back in bounded blocks, in the order they were added.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Bytes buffered before a write, and read per block when the nodes are read back. */
const SPILL_BLOCK_BYTES = 16 * 1024 * 1024
/** Each record: the node's 32-byte hash, its encoding's length (u32 LE), the encoding. */
const HASH_BYTES = 32
const RECORD_HEAD_BYTES = HASH_BYTES + 4

export class NodeSpillFile {
  private readonly dir: string
  private readonly file: string
  private readonly fd: number
  private pending: Buffer[] = []
  private pendingBytes = 0
  private disposed = false
  /** Nodes added. */
  count = 0
  /** Bytes of the file once flushed (records with their heads). */
  bytes = 0

  /** A new, empty spill file in a fresh folder under `parent` (the system's temp folder by default). */
  constructor(parent: string = tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'state-sync-'))
    this.file = join(this.dir, 'nodes')
    this.fd = openSync(this.file, 'w+')
  }

  add(hash: Uint8Array, encoding: Uint8Array): void {
    const head = Buffer.allocUnsafe(RECORD_HEAD_BYTES)
    head.set(hash, 0)
    head.writeUInt32LE(encoding.length, HASH_BYTES)
    this.pending.push(head, Buffer.from(encoding.buffer, encoding.byteOffset, encoding.byteLength))
    this.pendingBytes += RECORD_HEAD_BYTES + encoding.length
    this.count++
    if (this.pendingBytes >= SPILL_BLOCK_BYTES) this.flush()
  }

  /** Every node added, in order; each read pass goes over the file in blocks of {@link SPILL_BLOCK_BYTES}. */
  *nodes(): IterableIterator<[Uint8Array, Uint8Array]> {
    this.flush()
    let carry = Buffer.alloc(0)
    let position = 0
    for (;;) {
      const block = Buffer.allocUnsafe(SPILL_BLOCK_BYTES)
      const read = readSync(this.fd, block, 0, SPILL_BLOCK_BYTES, position)
      if (read === 0) break
      position += read
      const buf = carry.length === 0 ? block.subarray(0, read) : Buffer.concat([carry, block.subarray(0, read)])
      let offset = 0
      while (offset + RECORD_HEAD_BYTES <= buf.length) {
        const length = buf.readUInt32LE(offset + HASH_BYTES)
        const end = offset + RECORD_HEAD_BYTES + length
        if (end > buf.length) break
        // Plain copies: the consumer may keep the node, and store it as a Uint8Array, not a Buffer.
        yield [new Uint8Array(buf.subarray(offset, offset + HASH_BYTES)), new Uint8Array(buf.subarray(offset + RECORD_HEAD_BYTES, end))]
        offset = end
      }
      carry = Buffer.from(buf.subarray(offset))
    }
    if (carry.length !== 0) throw new Error(`state spill file ends inside a record (${carry.length} bytes left)`)
  }

  /** Closes and removes the file (idempotent). */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    closeSync(this.fd)
    rmSync(this.dir, { recursive: true, force: true })
  }

  private flush(): void {
    if (this.pendingBytes === 0) return
    const data = Buffer.concat(this.pending, this.pendingBytes)
    for (let written = 0; written < data.length; ) written += writeSync(this.fd, data, written, data.length - written, this.bytes + written)
    this.bytes += data.length
    this.pending = []
    this.pendingBytes = 0
  }
}
