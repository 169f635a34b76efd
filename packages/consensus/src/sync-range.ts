/** Range sync: catches up with a peer that does not answer `headers` requests (an older node) in block ranges. */
import { TimeSlice } from '@crust-ts/base'
import { BlockImportError, BlockImportErrorCode } from '@crust-ts/chain'
import type { PeerId } from '@libp2p/interface'
import { MAX_BLOCKS_PER_RESPONSE, Penalty } from './constants.js'
import { SignaturesAhead } from './signatures-ahead.js'
import type { UnknownBlockSync, UnknownBlockSyncComponents } from './sync-unknown-block.js'
import type { WireBlock } from './wire.js'

/** Catches up with `peer` (best block `target`) in block ranges; a peer that claimed blocks it does not serve is penalised. */
export async function syncRanges(components: UnknownBlockSyncComponents, unknown: UnknownBlockSync, peer: PeerId, target: number): Promise<void> {
  const { chain, network, signal } = components
  const slice = new TimeSlice()
  while (!signal.aborted && chain.best.number < target) {
    const blocks = await network.requestRange(peer, chain.best.number + 1, MAX_BLOCKS_PER_RESPONSE, signal)
    if (blocks.length === 0) {
      await network.penalise(peer, `claimed best ${target}, served no block above ${chain.best.number}`, Penalty.FALSE_CLAIM)
      break
    }
    const before = chain.best.hashHex
    const ahead = new SignaturesAhead(chain, blocks)
    for (const [i, block] of blocks.entries()) {
      await ahead.before(i)
      if (signal.aborted) return
      if (!(await importFrom(components, unknown, peer, block))) break
      await slice.pause()
      // The turn may have been the node's shutdown: nothing is imported after the abort.
      if (signal.aborted) return
    }
    if (chain.best.hashHex === before) break
  }
}

/**
 * Imports a peer's block; an unknown parent makes it fetch the missing ancestors from that peer.
 * Returns false when the block could not be imported.
 */
async function importFrom(components: UnknownBlockSyncComponents, unknown: UnknownBlockSync, peer: PeerId, block: WireBlock): Promise<boolean> {
  const { chain, network } = components
  try {
    chain.importBlock(block.header, block.extrinsics)
    return true
  } catch (err) {
    if (!(err instanceof BlockImportError)) throw err
    if (err.code === BlockImportErrorCode.UNKNOWN_PARENT) return unknown.connectOrphan(peer, block)
    if (err.invalid) await network.penalise(peer, err.code)
    return false
  }
}
