/**
 * Finality sync: fetches a peer's justifications above this node's finalized block and applies them
 * in order. A server scans at most {@link MAX_JUSTIFICATION_SCAN} block numbers per request, so an
 * empty answer moves the next request one window up; a peer whose claimed finalized block has no
 * justification it serves is penalised ({@link Penalty.FALSE_CLAIM}).
 */
import type { PeerId } from '@libp2p/interface'
import { MAX_JUSTIFICATION_SCAN, MAX_JUSTIFICATIONS_PER_RESPONSE, Penalty } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { UnknownBlockSyncComponents } from './sync-unknown-block.js'

/** Verifies and applies a peer's justification (the finality gadget); false when its block is unknown. */
export type ImportJustification = (bytes: Uint8Array) => boolean

/** Fetches and applies `peer`'s justifications above this node's finalized block (up to `peerFinalized`), in order. */
export async function syncFinality(
  components: UnknownBlockSyncComponents,
  importJustification: ImportJustification,
  peer: PeerId,
  peerFinalized: number,
): Promise<void> {
  const { chain, network, log, signal } = components
  const started = chain.finalized.number
  let from = chain.finalized.number + 1
  while (!signal.aborted && chain.finalized.number < peerFinalized) {
    const before = chain.finalized.number
    from = Math.max(from, before + 1)
    const batch = await network.requestJustifications(peer, from, MAX_JUSTIFICATIONS_PER_RESPONSE, signal)
    if (batch.length === 0) {
      // None in this window: the next one, up to the peer's finalized block or our best one
      // (justifications of blocks we do not have cannot be applied).
      from += MAX_JUSTIFICATION_SCAN
      if (from <= Math.min(peerFinalized, chain.best.number)) continue
      // We have its finalized block, whose justification it must hold: it served none.
      if (peerFinalized <= chain.best.number)
        await network.penalise(peer, `claimed finalized ${peerFinalized}, served no justification for it`, Penalty.FALSE_CLAIM)
      break
    }
    for (const bytes of batch) {
      try {
        if (!importJustification(bytes)) break
      } catch (err) {
        if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_JUSTIFICATION) await network.penalise(peer, err.code)
        else log.debug({ err }, 'justification not applied')
        return
      }
    }
    if (chain.finalized.number === before) break
  }
  if (chain.finalized.number > started) log.info({ peer: peer.toString(), from: started, to: chain.finalized.number }, 'synced finality')
}
