/**
 * State sync (`--sync state`): a fresh node (genesis only) proves a peer's finalized block final
 * from genesis ({@link proveFinalized}), downloads the state at it ({@link downloadState}, checked
 * against the block's state root; its trie waits in a temporary file in the node's data folder) and
 * installs both (`Chain.importSyncedState`, one database write);
 * block sync then imports only the blocks after it. Peers are tried in order of their finalized
 * block, highest first; a peer whose proof or state does not verify is banned and the next one tried.
 */
import { dirname } from 'node:path'
import type { BlockRecord, Chain } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import { DEFAULT_STATE_SYNC_MIN_LEAD } from './constants.js'
import type { ChainNetwork } from './network.js'
import { proveFinalized } from './sync-finality-proof.js'
import { downloadState } from './sync-state.js'

export interface StateSyncComponents {
  chain: Chain
  network: ChainNetwork
  log: Logger
  signal?: AbortSignal
}

export interface StateSyncOptions {
  /** Run only when a peer's finalized block is at least this far above genesis ({@link DEFAULT_STATE_SYNC_MIN_LEAD}). */
  minLead?: number
  /** Most bytes of state (spilled to disk) and of headers (held) taken while downloading. */
  maxBytes?: number
  /** Folder for the downloaded state's temporary file (default: the one holding the chain database, which must hold the state anyway). */
  spillDir?: string
}

/** What one state sync attempt gave. */
export type StateSyncOutcome =
  /** The state at `block` is installed. */
  | { status: 'synced'; block: BlockRecord; setChanges: number }
  /** Not needed: the chain is not fresh, or no peer is `minLead` ahead (block sync does the rest). */
  | { status: 'not-needed' }
  /** No peer answered, or none served a proof and state that verified: try again later. */
  | { status: 'retry' }

/** One state sync attempt with the peers connected now. */
export async function syncState(components: StateSyncComponents, options: StateSyncOptions = {}): Promise<StateSyncOutcome> {
  const { chain, network, log, signal } = components
  if (chain.best.number !== 0) return { status: 'not-needed' }
  const minLead = options.minLead ?? DEFAULT_STATE_SYNC_MIN_LEAD
  const answers = await Promise.all(
    network.peers().map(async (peer) => {
      try {
        const status = await network.requestStatus(peer, signal)
        return status.genesis === chain.genesis.hashHex ? { peer, finalized: status.finalized?.number ?? 0 } : undefined
      } catch {
        return undefined
      }
    }),
  )
  const peers = answers.filter((a) => a !== undefined).sort((a, b) => b.finalized - a.finalized)
  if (peers.length === 0) return { status: 'retry' }
  if (peers[0]!.finalized < minLead) return { status: 'not-needed' }
  const limits = { spillDir: options.spillDir ?? dirname(chain.db.path), ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) }
  for (const { peer, finalized } of peers) {
    if (finalized < minLead || network.isBanned(peer)) continue
    try {
      const proven = await proveFinalized({ chain, network, log, ...(signal === undefined ? {} : { signal }) }, peer, finalized, {
        ...(options.maxBytes === undefined ? {} : { maxHeaderBytes: options.maxBytes }),
      })
      const target = { hash: proven.target.hash, number: proven.target.number, stateRoot: proven.target.header.stateRoot }
      // The state from the peer that proved the block; the others take over (from the last key
      // received) when its requests keep failing or it no longer has the state.
      const otherPeers = peers.map((p) => p.peer).filter((p) => !p.equals(peer) && !network.isBanned(p))
      const state = await downloadState({ network, log, ...(signal === undefined ? {} : { signal }) }, peer, target, { ...limits, otherPeers })
      if (state === undefined) continue
      log.info({ block: target.number, pairs: state.pairs, bytes: state.bytes }, 'installing the downloaded state')
      let block: BlockRecord
      try {
        block = chain.importSyncedState(proven.headers, state, proven.justification)
      } finally {
        state.dispose()
      }
      log.info(
        { peer: peer.toString(), block: block.number, hash: block.hashHex, pairs: state.pairs, bytes: state.bytes, setChanges: proven.setChanges },
        'state synced',
      )
      return { status: 'synced', block, setChanges: proven.setChanges }
    } catch (err) {
      // Warn: a state sync that keeps failing (too large, a peer that serves a wrong state) must be visible.
      log.warn({ err, peer: peer.toString() }, 'state sync with peer failed')
    }
  }
  return { status: 'retry' }
}
