/**
 * lmdb-js's native code is not safe once a write of its own hits a full disk: after a few failed
 * page writes the process aborts with a corrupted heap ("malloc(): invalid size", "corrupted size
 * vs. prev_size"; about 60 fill-and-write rounds on a 24 MiB tmpfs reproduce it in both of its
 * sync modes, and a chaos run's storage node died that way 8 s after its disk filled). A heap the
 * library has corrupted could also write garbage before it dies. So LMDB must never see ENOSPC.
 *
 * Each environment keeps disk space allocated past the end of its data file (`fallocate
 * --keep-size`: the blocks are the file's, so another process filling the disk cannot take them,
 * and LMDB's page writes into them need no new space), and every write is admitted against that
 * allocation first. A write that would not fit, when the disk has no room for more, is refused
 * with `DISK_ERROR_FULL` before LMDB sees it (the stores turn it into their own write errors); once
 * space is freed, the next write's top-up succeeds and writing resumes.
 *
 * Where `fallocate` is missing or the file system cannot preallocate, the reserve says so once and
 * admits everything (as before).
 */
import { execFileSync } from 'node:child_process'
import { statfsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CrustError } from './errors.js'
import { Preallocator } from './preallocator.js'

export const DiskErrorCode = { FULL: 'DISK_ERROR_FULL' } as const

export interface DiskReserveInit {
  /**
   * Space kept allocated past the data the file holds. Default: a quarter of the file, at least
   * 16 MiB and at most 256 MiB (a few hundred environments in a test run stay cheap, a large block
   * store tops up rarely). During a burst of writes each top-up doubles the previous one's room,
   * up to 256 MiB (or this, if larger): see {@link BURST_WINDOW_MS}.
   */
  headroomBytes?: number
  /** Hears once that preallocation is not available. */
  warn?: (message: string) => void
  /** The clock top-ups are timed with, in ms (default `performance.now`; a test's fake clock). */
  now?: () => number
}

const MIN_HEADROOM = 16 * 2 ** 20
const MAX_HEADROOM = 256 * 2 ** 20
/** A write's share of LMDB's per-entry cost: its node header, and a leaf page it may copy on write. */
const PER_ENTRY = 4096
/** Room kept unadmitted for a commit's own pages (branch pages, free list, meta page). */
const COMMIT_MARGIN = 2 * 2 ** 20
/**
 * A top-up this soon after the previous one means writes are coming in a burst: it allocates twice
 * the previous step (up to {@link MAX_HEADROOM}). Each top-up is a process spawn (about 60 ms of
 * CPU from a busy node process); at a fixed quarter-of-the-file step, a 256 MiB pull into a fresh
 * repo spawned 20 and wrote at half the speed of LMDB alone.
 */
export const BURST_WINDOW_MS = 2_000

function byteLength(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength
  if (typeof value === 'string') return Buffer.byteLength(value)
  if (Array.isArray(value)) return value.reduce<number>((sum, part) => sum + byteLength(part), 0)
  if (typeof value === 'object' && value !== null) {
    // A JSON-encoded store's value: about its JSON text.
    try {
      return Buffer.byteLength(JSON.stringify(value) ?? '')
    } catch {
      return PER_ENTRY
    }
  }
  return 16
}

/** What a put of `key` and `value` may add to the data file, counted pessimistically. */
export function entryCost(key: unknown, value?: unknown): number {
  return byteLength(key) + (value === undefined ? 0 : byteLength(value)) + PER_ENTRY
}

/** An entry's node header and its share of the branch pages above. */
const APPENDED_ENTRY_OVERHEAD = 64
/** LMDB's largest entry (key, value and its 8-byte node header) kept on a 4 KiB leaf page (`me_nodemax`); a larger value gets overflow pages of its own. */
const INLINE_ENTRY_MAX = 2038
const PAGE_BYTES = 4096
const PAGE_HEADER_BYTES = 16

/**
 * What an appended put (`{ append: true }`: the key above every stored one) may add: its bytes,
 * not a page of its own, since appends fill each leaf page before the next is started. Counting
 * a page per entry, a bulk load of a few million small nodes in one transaction would reserve
 * ten times its size on disk.
 */
export function appendedEntryCost(key: unknown, value: unknown): number {
  const keyBytes = byteLength(key)
  const bytes = byteLength(value)
  if (keyBytes + bytes + 8 <= INLINE_ENTRY_MAX) return keyBytes + bytes + APPENDED_ENTRY_OVERHEAD
  // Overflow pages: the value's own whole pages; the leaf keeps the key and a page number.
  return keyBytes + APPENDED_ENTRY_OVERHEAD + Math.ceil((bytes + PAGE_HEADER_BYTES) / PAGE_BYTES) * PAGE_BYTES
}

function isAppend(options: unknown): boolean {
  return (
    typeof options === 'object' &&
    options !== null &&
    ((options as { append?: unknown }).append === true || (options as { appendDup?: unknown }).appendDup === true)
  )
}

export class DiskReserve {
  /** Bytes of the file allocated from its start (the length of the last successful preallocation). */
  private allocated = 0
  /** The file's size when last read. */
  private knownSize = 0
  /** Bytes admitted since the size was read: the most the file may have grown since. */
  private sinceStat = 0
  /** Admitted bytes of writes not yet committed (they are not in the file's size yet). */
  private inflight = 0
  /** Bytes admitted in the write transaction running now. */
  private txnBytes = 0
  private txnDepth = 0
  /** The most the file can hold when the outermost running transaction began (its size then, and writes in flight). */
  private txnBase = 0
  private disabled = false
  /** An asynchronous top-up under way (ahead of need, so writes seldom wait for one). */
  private topping = false
  private readonly fixedHeadroom: number | undefined
  /** The room allocated past the need at the last top-up, and when it was made. */
  private step = 0
  private lastTopUp = Number.NEGATIVE_INFINITY
  private readonly now: () => number
  /** Runs the top-ups ahead of need (the process's one shell, not a spawn per top-up). */
  private readonly preallocator = Preallocator.shared()

  private constructor(
    readonly file: string,
    private readonly warn: (message: string) => void,
    init: DiskReserveInit,
  ) {
    this.fixedHeadroom = init.headroomBytes
    this.now = init.now ?? (() => performance.now())
  }

  /** The reserve of the LMDB environment in `folder` (its `data.mdb`), preallocated now. */
  static forLmdb(folder: string, init: DiskReserveInit = {}): DiskReserve {
    const reserve = new DiskReserve(join(folder, 'data.mdb'), init.warn ?? ((message) => process.emitWarning(message, 'DiskReserveWarning')), init)
    reserve.restat()
    reserve.topUp(0)
    return reserve
  }

  /** Whether a transaction's writes are being made now (they commit with it, not one by one). */
  get inTransaction(): boolean {
    return this.txnDepth > 0
  }

  /** Admits a write of `bytes` or throws `DISK_ERROR_FULL` (nothing of it reaches LMDB then). */
  admit(bytes: number): void {
    if (this.disabled) return
    if (!this.fits(bytes)) {
      this.restat()
      if (!this.fits(bytes) && !this.topUp(bytes)) {
        throw new CrustError(
          DiskErrorCode.FULL,
          `the disk holding ${this.file} is full: the write was refused before the database could be harmed; free some space and it resumes`,
          { file: this.file, bytes },
        )
      }
    }
    this.sinceStat += bytes
    if (this.txnDepth > 0) this.txnBytes += bytes
    // Ahead of need: once half of the room the last top-up made is used (the commit's margin kept free).
    if (!this.topping && this.allocated - (this.knownSize + this.sinceStat + COMMIT_MARGIN) < Math.max(this.headroom(), this.step) / 2) {
      // this write is not tracked yet (outside a transaction): the size read next does not hold it
      this.topUpAhead(this.txnDepth > 0 ? 0 : bytes)
    }
  }

  /** Bytes of the file allocated from its start (its data, then room for the next writes). */
  get allocatedBytes(): number {
    return this.allocated
  }

  /** Whether a top-up ahead of need is running now (a child process). */
  get toppingUp(): boolean {
    return this.topping
  }

  private headroom(): number {
    return this.fixedHeadroom ?? Math.min(MAX_HEADROOM, Math.max(MIN_HEADROOM, Math.floor(this.knownSize / 4)))
  }

  /** The room to allocate past the need at a top-up starting now: the headroom, doubled per top-up within a burst. */
  private nextStep(): number {
    const base = this.headroom()
    const inBurst = this.now() - this.lastTopUp < BURST_WINDOW_MS
    return inBurst ? Math.max(base, Math.min(Math.max(MAX_HEADROOM, base), 2 * this.step)) : base
  }

  private tookStep(step: number): void {
    this.step = step
    this.lastTopUp = this.now()
  }

  /** Tops up in a child process while writes go on; a failure here only means the next write that does not fit tries itself. */
  private topUpAhead(admitting: number): void {
    this.topping = true
    this.restat()
    this.sinceStat += admitting
    const step = this.nextStep()
    const length = this.knownSize + this.sinceStat + COMMIT_MARGIN + step
    const free = this.freeBytes()
    if (free !== undefined && length - this.allocated > free) {
      this.topping = false
      return
    }
    this.tookStep(step)
    this.preallocator.allocate(this.file, length, (ok) => {
      this.topping = false
      if (ok) this.allocated = Math.max(this.allocated, length)
    })
  }

  /** Counts `bytes` as in flight until `written` settles (admitted, not yet in the file's size). */
  track<T>(bytes: number, written: Promise<T>): Promise<T> {
    if (typeof (written as { then?: unknown } | undefined)?.then !== 'function') return written
    this.inflight += bytes
    const settle = (): void => {
      this.inflight -= bytes
    }
    written.then(settle, settle)
    return written
  }

  /** Runs `fn` as a write transaction's body; returns the bytes it admitted. */
  inTxn<T>(fn: () => T): { result: T; bytes: number } {
    const outer = this.txnBytes
    if (this.txnDepth === 0) this.txnBase = this.knownSize + this.sinceStat
    this.txnDepth++
    this.txnBytes = 0
    try {
      const result = fn()
      return { result, bytes: this.txnBytes }
    } finally {
      this.txnDepth--
      this.txnBytes = outer + (this.txnDepth > 0 ? this.txnBytes : 0)
    }
  }

  private fits(bytes: number): boolean {
    return this.knownSize + this.sinceStat + bytes + COMMIT_MARGIN <= this.allocated
  }

  private restat(): void {
    try {
      this.knownSize = statSync(this.file).size
    } catch {
      this.knownSize = 0
    }
    // Writes committed since are in the size now; those still in flight may grow it yet.
    // A long transaction's pages reach the file before it commits (LMDB spills them), so what the
    // transaction admitted is partly in the size already: only what could still come is counted
    // (a 10 M-file state install otherwise reserved its own size twice over).
    this.sinceStat = this.inflight + (this.txnDepth > 0 ? Math.max(0, this.txnBase + this.txnBytes - this.knownSize) : 0)
  }

  /** Allocates room for `bytes` more plus the headroom (or, failing that, for `bytes` alone); false when the disk has no room. */
  private topUp(bytes: number): boolean {
    const base = this.knownSize + this.sinceStat + bytes + COMMIT_MARGIN
    // Only worth a process when the file system has the room (a statfs, not a spawn, per refused write).
    const free = this.freeBytes()
    const step = this.nextStep()
    for (const [length, took] of [
      [base + step, step],
      [base + this.headroom(), this.headroom()],
      [base, 0],
    ] as const) {
      if (length <= this.allocated) return true
      if (free !== undefined && length - this.allocated > free) continue
      const outcome = this.preallocate(length)
      if (outcome === 'ok') {
        this.allocated = length
        this.tookStep(took)
        return true
      }
      if (outcome === 'unsupported') return true
    }
    return false
  }

  private freeBytes(): number | undefined {
    try {
      const { bavail, bsize } = statfsSync(dirname(this.file))
      return bavail * bsize
    } catch {
      return undefined
    }
  }

  private preallocate(length: number): 'ok' | 'full' | 'unsupported' {
    try {
      execFileSync('fallocate', ['--keep-size', '--length', String(length), this.file], { stdio: ['ignore', 'ignore', 'pipe'] })
      return 'ok'
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '')
      if (/No space left/i.test(stderr)) return 'full'
      this.disabled = true
      this.warn(
        `cannot preallocate disk space for ${this.file} (${(err as Error).message.split('\n')[0]}): a full disk can crash the database library; keep the disk from filling`,
      )
      return 'unsupported'
    }
  }
}

const WRITES = new Set(['put', 'putSync', 'remove', 'removeSync'])

/**
 * `db` (an lmdb-js root or child database) with every write admitted by `reserve` first; its child
 * databases (`openDB`) are wrapped too. A refused asynchronous write rejects; a refused write
 * inside a transaction throws there, which aborts the whole transaction.
 */
export function reserveWrites<T extends object>(db: T, reserve: DiskReserve): T {
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown
      if (typeof value !== 'function') return value
      const cached = bound.get(prop)
      if (cached !== undefined) return cached
      // Looked up at each call: lmdb-js swaps its write methods for throwing ones when it closes.
      const fn = {
        apply: (thisArg: unknown, args: unknown[]) => Reflect.apply(Reflect.get(target, prop, target) as (...a: unknown[]) => unknown, thisArg, args),
        call: (thisArg: unknown, ...args: unknown[]) => Reflect.apply(Reflect.get(target, prop, target) as (...a: unknown[]) => unknown, thisArg, args),
      }
      let wrapped: (...args: unknown[]) => unknown
      if (WRITES.has(prop as string)) {
        const sync = prop === 'putSync' || prop === 'removeSync'
        const isPut = prop === 'put' || prop === 'putSync'
        wrapped = (...args: unknown[]) => {
          const bytes = isPut && isAppend(args[2]) ? appendedEntryCost(args[0], args[1]) : entryCost(args[0], isPut ? args[1] : undefined)
          if (sync || reserve.inTransaction) {
            reserve.admit(bytes)
            return fn.apply(target, args)
          }
          // The callback form (`put(key, value, cb)`): lmdb settles each write's own callback and returns nothing.
          const at = args.findIndex((arg, i) => i >= 2 && typeof arg === 'function')
          const callback = at < 0 ? undefined : (args[at] as (...result: unknown[]) => unknown)
          try {
            reserve.admit(bytes)
          } catch (err) {
            if (callback === undefined) return Promise.reject(err)
            queueMicrotask(() => callback(err))
            return undefined
          }
          if (callback === undefined) return reserve.track(bytes, fn.apply(target, args) as Promise<unknown>)
          let settle: () => void = () => {}
          void reserve.track(bytes, new Promise<void>((resolve) => (settle = resolve)))
          args[at] = (...result: unknown[]) => {
            settle()
            return callback(...result)
          }
          return fn.apply(target, args)
        }
      } else if (prop === 'transactionSync') {
        wrapped = (body: unknown, ...rest: unknown[]) => fn.call(target, () => reserve.inTxn(body as () => unknown).result, ...rest)
      } else if (prop === 'transaction') {
        wrapped = (body: unknown, ...rest: unknown[]) => {
          // lmdb runs the body in its write batch and commits after: the body's bytes are in flight
          // from its end until the commit settles.
          let committing: () => void = () => {}
          const committed = new Promise<void>((resolve) => {
            committing = resolve
          })
          const written = fn.call(
            target,
            () => {
              const ran = reserve.inTxn(body as () => unknown)
              void reserve.track(ran.bytes, committed)
              return ran.result
            },
            ...rest,
          ) as Promise<unknown>
          written.then(committing, committing)
          return written
        }
      } else if (prop === 'openDB') {
        wrapped = (...args: unknown[]) => reserveWrites(fn.apply(target, args) as object, reserve)
      } else {
        wrapped = (...args: unknown[]) => fn.apply(target, args)
      }
      bound.set(prop, wrapped)
      return wrapped
    },
  })
}
