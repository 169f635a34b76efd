/**
 * Signature checks ahead of a run of block imports: before block i is imported, the group of
 * blocks it starts (at most {@link MAX_SIGNATURES_PER_GROUP} transactions) has its signatures
 * checked on the chain's worker threads beside the main thread, so each import finds its
 * signatures checked. The groups stay well inside the chain's record of checked signatures.
 */
import type { Chain } from '@crust-ts/chain'

export const MAX_SIGNATURES_PER_GROUP = 2048

export interface BlockToImport {
  header: Uint8Array
  extrinsics: readonly Uint8Array[]
}

export class SignaturesAhead {
  private checkedUpTo = 0

  constructor(
    private readonly chain: Pick<Chain, 'preverifyBlocks' | 'signatureWorkers'>,
    private readonly blocks: readonly BlockToImport[],
  ) {}

  /** Call before importing `blocks[i]`, in order. */
  async before(i: number): Promise<void> {
    if (i < this.checkedUpTo || !this.chain.signatureWorkers.parallel) return
    let end = i
    let signatures = 0
    while (end < this.blocks.length && (end === i || signatures + this.blocks[end]!.extrinsics.length - 1 <= MAX_SIGNATURES_PER_GROUP)) {
      signatures += Math.max(0, this.blocks[end]!.extrinsics.length - 1)
      end++
    }
    this.checkedUpTo = end
    // Only worth a round trip when the group carries transactions.
    if (signatures > 0) await this.chain.preverifyBlocks(this.blocks.slice(i, end))
  }
}
