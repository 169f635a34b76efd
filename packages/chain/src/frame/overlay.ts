/**
 * The changes a block makes, on top of the state it starts from, with nested storage transactions:
 * a failed dispatch rolls back its own changes and keeps the fee payment before it.
 */
import type { StorageAccess } from './storage.js'

type Change = Uint8Array | null

/**
 * A key as a latin1 string, one character per byte: half the length of hex and cheaper to make
 * (every storage access makes one), and it sorts in the same byte order.
 */
const keyOf = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')

export class OverlayState implements StorageAccess {
  private readonly changes = new Map<string, Change>()
  /** One entry per open transaction: the value each key had in `changes` before it (undefined = none). */
  private readonly layers: Array<Map<string, Change | undefined>> = []

  /**
   * Every `get`, and every `set` / `delete`, made on this overlay: the executive reads them around
   * each block hook to charge the hook its storage accesses (RocksDbWeight). Two integer increments,
   * the same on every node (they depend only on the code and the state).
   */
  reads = 0
  writes = 0

  constructor(private readonly base: (key: Uint8Array) => Uint8Array | undefined) {}

  get(key: Uint8Array): Uint8Array | undefined {
    this.reads++
    const change = this.changes.get(keyOf(key))
    if (change !== undefined) return change ?? undefined
    return this.base(key)
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.write(keyOf(key), value)
  }

  delete(key: Uint8Array): void {
    this.write(keyOf(key), null)
  }

  private write(hex: string, change: Change): void {
    this.writes++
    const layer = this.layers[this.layers.length - 1]
    if (layer !== undefined && !layer.has(hex)) layer.set(hex, this.changes.get(hex))
    this.changes.set(hex, change)
  }

  /** Opens a nested transaction. */
  begin(): void {
    this.layers.push(new Map())
  }

  /** Keeps the innermost transaction's changes (they become part of the enclosing one). */
  commit(): void {
    const layer = this.layers.pop()
    if (layer === undefined) throw new Error('no open storage transaction')
    const outer = this.layers[this.layers.length - 1]
    if (outer === undefined) return
    for (const [hex, before] of layer) if (!outer.has(hex)) outer.set(hex, before)
  }

  /** Undoes the innermost transaction's changes. */
  rollback(): void {
    const layer = this.layers.pop()
    if (layer === undefined) throw new Error('no open storage transaction')
    for (const [hex, before] of layer) {
      if (before === undefined) this.changes.delete(hex)
      else this.changes.set(hex, before)
    }
  }

  get depth(): number {
    return this.layers.length
  }

  /** Every change, as (key, value or null for deleted), sorted by key. */
  drain(): Array<[Uint8Array, Uint8Array | null]> {
    if (this.layers.length > 0) throw new Error('storage transactions still open')
    return [...this.changes.keys()].sort().map((key) => [Uint8Array.from(Buffer.from(key, 'latin1')), this.changes.get(key)!])
  }

  get size(): number {
    return this.changes.size
  }
}
