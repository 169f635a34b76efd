/** Finality sync: fetches a peer's justifications above this node's finalized block and applies them in order. */
import type { PeerId } from '@libp2p/interface'
import { MAX_JUSTIFICATIONS_PER_RESPONSE } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { UnknownBlockSyncComponents } from './sync-unknown-block.js'

/** Verifies and applies a peer's justification (the finality gadget); false when its block is unknown. */
export type ImportJustification = (bytes: Uint8Array) => boolean

/** Fetches and applies `peer`'s justifications above this node's finalized block (up to `peerFinalized`), in order. */
export async function syncFinality(components: UnknownBlockSyncComponents, importJustification: ImportJustification, peer: PeerId, peerFinalized: number): Promise<void> {
  const { chain, network, log, signal } = components
  const started = chain.finalized.number
  while (!signal.aborted && chain.finalized.number < peerFinalized) {
    const before = chain.finalized.number
    const batch = await network.requestJustifications(peer, before + 1, MAX_JUSTIFICATIONS_PER_RESPONSE, signal)
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
