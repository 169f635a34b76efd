import { createHash, randomBytes, randomInt } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { type ComponentLogger, type Logger, releaseBytes } from '@crust-ts/base'
import type { AbortOptions, Enclave } from '../enclave/interface.js'
import { merkleRoot } from '../merkle/index.js'
import { Bucket, type BytesDb, type SealedStore } from '../store/index.js'
import { SrdError, SrdErrorCode } from './errors.js'
import { defaultSrdOptions, defaultSrdReserveBytes, type FreeSpace, type SrdInit } from './options.js'

/** Collaborators of {@link Srd}. */
export interface SrdComponents {
  store: SealedStore
  enclave: Enclave
  logger: ComponentLogger
  /** Free bytes under the SRD folder (default {@link statfsFreeSpace}). */
  freeSpace?: FreeSpace
}

/** How many units the disk has room for. */
export interface SrdRoom {
  /** Free bytes on the SRD folder's file system (for an unprivileged writer). */
  availableBytes: number
  /** Free bytes SRD leaves alone. */
  reserveBytes: number
  unitSize: number
  /** Units that can still be added: ⌊(available − reserve) / unitSize⌋, at least 0. */
  maxUnits: number
}

/** {@link FreeSpace} from statfs: the blocks available to unprivileged users. */
export const statfsFreeSpace: FreeSpace = async (dir) => {
  const stats = await fs.promises.statfs(dir)
  return stats.bavail * stats.bsize
}

/** One spare-room unit. */
export interface SrdUnit {
  /** 16 random bytes, hex: names the unit file and keys its content. */
  id: string
  size: number
  /** sha256 of the unit's content, hex (its Merkle leaf). */
  hash: string
}

/** What a `change` did. */
export interface SrdChangeResult {
  added: number
  removed: number
}

const UNIT_SUFFIX = '.srd'
const decoder = new TextDecoder()
const encoder = new TextEncoder()

/**
 * Spare room declaration: units of pseudo-random data (the enclave's AES-CTR keystream, keyed per
 * unit) filling disk space the node declares free. A unit's file is complete (fsync'd and renamed
 * into place) before its record is written, so a crash leaves at most an orphan file, removed on open.
 */
export class Srd {
  readonly unitSize: number
  private readonly dir: string
  private readonly chunkSize: number
  private readonly sampleSize: number
  private readonly enclave: Enclave
  private readonly units: BytesDb
  private readonly log: Logger
  private readonly reserveBytes: number
  private readonly freeSpace: FreeSpace
  /** Changes run one at a time, so each sees the disk the previous one left. */
  private changing: Promise<unknown> = Promise.resolve()

  private constructor(components: SrdComponents, init: SrdInit) {
    this.dir = init.dir
    this.unitSize = init.unitSize ?? defaultSrdOptions.unitSize
    this.chunkSize = Math.min(init.chunkSize ?? defaultSrdOptions.chunkSize, this.unitSize)
    this.sampleSize = Math.min(init.sampleSize ?? defaultSrdOptions.sampleSize, this.unitSize)
    this.enclave = components.enclave
    this.units = components.store.db(Bucket.srdUnits)
    this.log = components.logger.forComponent('sworker:srd')
    this.reserveBytes = init.reserveBytes ?? defaultSrdReserveBytes(this.unitSize)
    this.freeSpace = components.freeSpace ?? statfsFreeSpace
  }

  /** Opens the SRD folder, dropping unit files without a record and records without a file. */
  static async open(components: SrdComponents, init: SrdInit): Promise<Srd> {
    const srd = new Srd(components, init)
    if (srd.unitSize % 16 !== 0 || srd.unitSize % srd.chunkSize !== 0) {
      throw new SrdError(SrdErrorCode.INVALID_CHANGE, 'the SRD unit size must be a multiple of 16 and of the chunk size', { unitSize: srd.unitSize })
    }
    fs.mkdirSync(srd.dir, { recursive: true, mode: 0o700 })
    const known = new Set(srd.list().map((u) => u.id))
    for (const name of fs.readdirSync(srd.dir)) {
      const id = name.endsWith(UNIT_SUFFIX) ? name.slice(0, -UNIT_SUFFIX.length) : undefined
      if (id === undefined || !known.has(id)) fs.rmSync(path.join(srd.dir, name), { force: true })
    }
    for (const unit of srd.list()) {
      if (!fs.existsSync(srd.file(unit.id))) await srd.drop(unit.id)
    }
    return srd
  }

  private file(id: string): string {
    return path.join(this.dir, id + UNIT_SUFFIX)
  }

  /** Every unit, in id order. */
  list(): SrdUnit[] {
    const out: SrdUnit[] = []
    for (const { value } of this.units.getRange({})) out.push(JSON.parse(decoder.decode(value)) as SrdUnit)
    return out
  }

  /** Declared spare room in bytes. */
  size(): bigint {
    let total = 0n
    for (const unit of this.list()) total += BigInt(unit.size)
    return total
  }

  /** Merkle root (sha256) over the units' content hashes, in id order. */
  root(): Uint8Array {
    return merkleRoot(this.list().map((u) => Buffer.from(u.hash, 'hex')))
  }

  /** How many more units fit on the disk, keeping the reserve free. */
  async room(): Promise<SrdRoom> {
    const availableBytes = await this.freeSpace(this.dir)
    const spare = Math.max(0, availableBytes - this.reserveBytes)
    return { availableBytes, reserveBytes: this.reserveBytes, unitSize: this.unitSize, maxUnits: Math.floor(spare / this.unitSize) }
  }

  /**
   * Adds `delta` units (positive) or removes `-delta` units (negative); removal stops when none are left.
   * Growth is refused (`NO_ROOM`, nothing added) when the disk has no room for all `delta` units above
   * the reserve, and stops (`NO_ROOM`, with the units added so far) if the disk fills meanwhile.
   * Changes run one after another.
   */
  change(delta: number, options: AbortOptions = {}): Promise<SrdChangeResult> {
    const run = this.changing.then(() => this.changeNow(delta, options))
    this.changing = run.catch(() => {})
    return run
  }

  private async changeNow(delta: number, options: AbortOptions): Promise<SrdChangeResult> {
    if (!Number.isSafeInteger(delta)) throw new SrdError(SrdErrorCode.INVALID_CHANGE, 'the SRD change must be an integer number of units', { delta })
    const result = { added: 0, removed: 0 }
    if (delta > 0) {
      const room = await this.room()
      if (delta > room.maxUnits) throw this.noRoom(delta, room, result)
    }
    for (let i = 0; i < delta; i++) {
      if (options.signal?.aborted === true) throw new SrdError(SrdErrorCode.ABORTED, 'SRD change aborted', result, { cause: options.signal.reason })
      if (i > 0) {
        // Sealed files share the disk: stop at the reserve if they took the room meanwhile.
        const room = await this.room()
        if (room.maxUnits < 1) throw this.noRoom(delta, room, result)
      }
      await this.addUnit()
      result.added++
    }
    if (delta < 0) {
      const units = this.list()
      for (let i = 0; i < -delta && i < units.length; i++) {
        await this.drop(units[units.length - 1 - i]!.id)
        result.removed++
      }
    }
    if (result.added + result.removed > 0) this.log.info({ ...result, units: this.list().length }, 'spare room changed')
    return result
  }

  private noRoom(requested: number, room: SrdRoom, done: SrdChangeResult): SrdError {
    if (done.added > 0) this.log.warn({ requested, ...done, ...room }, 'spare room growth stopped: the disk is full up to the reserve')
    return new SrdError(
      SrdErrorCode.NO_ROOM,
      `not enough free disk for ${requested - done.added} more SRD unit(s) of ${room.unitSize} bytes: room for ${room.maxUnits} ` +
        `(${room.availableBytes} bytes free, ${room.reserveBytes} kept in reserve)${done.added > 0 ? `; ${done.added} added` : ''}`,
      { requested, ...done, ...room },
    )
  }

  private async addUnit(): Promise<void> {
    const idBytes = randomBytes(16)
    const id = idBytes.toString('hex')
    const final = this.file(id)
    const tmp = `${final}.tmp`
    const hash = createHash('sha256')
    try {
      const handle = await fs.promises.open(tmp, 'w', 0o600)
      try {
        for (let offset = 0; offset < this.unitSize; offset += this.chunkSize) {
          const chunk = this.enclave.srdData(idBytes, offset, this.chunkSize)
          hash.update(chunk)
          await handle.write(chunk)
          // Written: its megabytes go back now, not when a collection finds them dead (see releaseBytes).
          releaseBytes(chunk)
        }
        await handle.sync()
      } finally {
        await handle.close()
      }
      await fs.promises.rename(tmp, final)
    } catch (err) {
      await fs.promises.rm(tmp, { force: true })
      throw new SrdError(SrdErrorCode.IO, 'cannot write an SRD unit', { dir: this.dir }, { cause: err })
    }
    const unit: SrdUnit = { id, size: this.unitSize, hash: hash.digest('hex') }
    await this.units.put(idBytes, encoder.encode(JSON.stringify(unit)))
  }

  /** Removes unit `id` (record first, then its file). */
  async drop(id: string): Promise<void> {
    await this.units.remove(Buffer.from(id, 'hex'))
    await fs.promises.rm(this.file(id), { force: true })
  }

  /**
   * Checks a random aligned sample of unit `id` against the enclave's regeneration; false if the
   * file is missing, has the wrong size, or differs.
   */
  async verifyUnit(id: string): Promise<boolean> {
    const unit = this.list().find((u) => u.id === id)
    if (unit === undefined) return false
    let handle: fs.promises.FileHandle
    try {
      handle = await fs.promises.open(this.file(id), 'r')
    } catch {
      return false
    }
    try {
      if ((await handle.stat()).size !== unit.size) return false
      const slots = Math.floor(unit.size / this.sampleSize)
      const offset = slots > 1 ? randomInt(slots) * this.sampleSize : 0
      const expected = this.enclave.srdData(Buffer.from(id, 'hex'), offset, this.sampleSize)
      const actual = Buffer.alloc(this.sampleSize)
      const { bytesRead } = await handle.read(actual, 0, this.sampleSize, offset)
      return bytesRead === this.sampleSize && actual.equals(expected)
    } finally {
      await handle.close()
    }
  }
}
