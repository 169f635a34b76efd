/**
 * Signature checks ahead of a run of block imports, on the chain's worker threads. The run is cut
 * in groups of at most {@link MAX_SIGNATURES_PER_GROUP} transactions. Before the first block of a
 * group is imported, that group must be checked (the first group: by the workers and this thread
 * together), and the next group is handed to the workers alone, so they check it while this thread
 * imports the current one. Each import then finds its signatures checked; import still checks any
 * it does not find (nothing is trusted from here). The groups stay well inside the chain's record
 * of checked signatures.
 */
import type { Chain } from '@crust-ts/chain'

export const MAX_SIGNATURES_PER_GROUP = 2048

export interface BlockToImport {
  header: Uint8Array
  extrinsics: readonly Uint8Array[]
}

export class SignaturesAhead {
  /** Group start index -> its check (settled: a failed check only means import checks itself). */
  private readonly checks = new Map<number, Promise<void>>()
  /** Start index of each group met so far, in order, and where the last one ends. */
  private readonly starts: number[] = []
  private end = 0

  constructor(
    private readonly chain: Pick<Chain, 'preverifyBlocks' | 'signatureWorkers'>,
    private readonly blocks: readonly BlockToImport[],
  ) {}

  /** Call before importing `blocks[i]`, in order. */
  async before(i: number): Promise<void> {
    if (!this.chain.signatureWorkers.parallel) return
    if (i >= this.end) this.nextGroup()
    if (!this.starts.includes(i)) return
    const current = this.checks.get(i) ?? this.check(i, true)
    this.checks.delete(i)
    // The next group goes to the workers now: they check it while this thread imports this one.
    if (this.end < this.blocks.length) {
      const next = this.end
      this.nextGroup()
      this.checks.set(next, this.check(next, false))
    }
    await current
  }

  /** Extends the groups by one: from the current end, up to the signature bound (at least one block). */
  private nextGroup(): void {
    const start = this.end
    let end = start
    let signatures = 0
    while (end < this.blocks.length) {
      const count = Math.max(0, this.blocks[end]!.extrinsics.length - 1)
      if (end > start && signatures + count > MAX_SIGNATURES_PER_GROUP) break
      signatures += count
      end++
    }
    this.starts.push(start)
    this.end = end
  }

  private check(start: number, callerShare: boolean): Promise<void> {
    const end = this.starts[this.starts.indexOf(start) + 1] ?? this.end
    const group = this.blocks.slice(start, end)
    if (group.every((b) => b.extrinsics.length <= 1)) return Promise.resolve()
    return this.chain.preverifyBlocks(group, { before: this.blocks.slice(0, start), callerShare }).catch(() => undefined)
  }
}
