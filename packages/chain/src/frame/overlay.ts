/**
 * The changes a block makes, on top of the state it starts from, with nested storage transactions:
 * a failed dispatch rolls back its own changes and keeps the fee payment before it.
 */
import type { StorageAccess } from './storage.js'

type Change = Uint8Array | null

const hexOf = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')

export class OverlayState implements StorageAccess {
  private readonly changes = new Map<string, Change>()
  /** One entry per open transaction: the value each key had in `changes` before it (undefined = none). */
  private readonly layers: Array<Map<string, Change | undefined>> = []

  constructor(private readonly base: (key: Uint8Array) => Uint8Array | undefined) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const change = this.changes.get(hexOf(key))
    if (change !== undefined) return change ?? undefined
    return this.base(key)
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.write(hexOf(key), value)
  }

  delete(key: Uint8Array): void {
    this.write(hexOf(key), null)
  }

  private write(hex: string, change: Change): void {
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
    return [...this.changes.keys()].sort().map((hex) => [Uint8Array.from(Buffer.from(hex, 'hex')), this.changes.get(hex)!])
  }

  get size(): number {
    return this.changes.size
  }
}
