/**
 * The sealed blocks of each file, in one data file per sealed file (`blocks/<cid>` in the store's
 * folder): records appended in DAG order with positional writes, as a disk writes a stream, and read
 * back by offset. Where each block lies is kept in the LMDB block index (see `Bucket.blockIndex`).
 */
import fs from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import path from 'node:path'

/** Folder, inside the sealed store's folder, holding the data files. */
export const BLOCK_FILES_DIR = 'blocks'

export class BlockFiles {
  readonly dir: string

  constructor(storePath: string) {
    this.dir = path.join(storePath, BLOCK_FILES_DIR)
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 })
  }

  /** Path of file `cid`'s data file (a CID string is a safe file name: base58btc or base32). */
  path(cid: string): string {
    if (cid.length === 0 || cid.includes('/') || cid.includes('\\') || cid.startsWith('.')) throw new TypeError(`not a CID: ${cid}`)
    return path.join(this.dir, cid)
  }

  /** Creates (or truncates) file `cid`'s data file for writing. */
  create(cid: string): Promise<FileHandle> {
    return fs.promises.open(this.path(cid), 'w', 0o600)
  }

  /** `length` bytes of file `cid` from `offset`, or undefined if the data file is missing or shorter. */
  read(cid: string, offset: number, length: number): Uint8Array | undefined {
    let fd: number
    try {
      fd = fs.openSync(this.path(cid), 'r')
    } catch {
      return undefined
    }
    try {
      const out = new Uint8Array(length)
      let done = 0
      while (done < length) {
        const n = fs.readSync(fd, out, done, length - done, offset + done)
        if (n === 0) return undefined
        done += n
      }
      return out
    } finally {
      fs.closeSync(fd)
    }
  }

  /** Removes file `cid`'s data file (no error if there is none). */
  remove(cid: string): void {
    fs.rmSync(this.path(cid), { force: true })
  }

  /** The CIDs that have a data file. */
  list(): string[] {
    return fs.readdirSync(this.dir)
  }
}
