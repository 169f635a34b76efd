/**
 * State sync (`--sync state`): a fresh node (genesis only) proves a peer's finalized block final
 * from genesis ({@link proveFinalized}), downloads the state at it ({@link downloadState}, checked
 * against the block's state root; its trie waits in a temporary file in the node's data folder) and
 * installs both (`Chain.importSyncedState`, one database write);
 * block sync then imports only the blocks after it. Peers are tried in order of their finalized
 * block, highest first; a peer whose proof or state does not verify is banned and the next one tried.
 * No work is lost to a transient failure ({@link StateSyncCarry}): a download every peer failed
 * mid-way is continued by the next round from its last key, and a verified state the disk has no
 * room for (checked before the install) waits, with one clear error, until there is room.
 */
import { statfsSync } from 'node:fs'
import { dirname } from 'node:path'
import type { BlockRecord, Chain } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { DEFAULT_STATE_SYNC_MIN_LEAD } from './constants.js'
import type { ChainNetwork } from './network.js'
import { type ProvenFinalized, proveFinalized } from './sync-finality-proof.js'
import { type DownloadedState, downloadState, type StateDownloadOptions, StateDownloadCarry } from './sync-state.js'

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
  /**
   * What a round leaves to the next ({@link StateSyncCarry}): a download every peer failed mid-way,
   * or a verified state the disk had no room to install. Without one, each round starts afresh.
   */
  carry?: StateSyncCarry
  /** Chunk request tuning of the download (its defaults otherwise). */
  download?: Pick<StateDownloadOptions, 'pairsPerRequest' | 'attemptsPerPeer' | 'retryBackoffMs' | 'requestTimeoutMs' | 'progressIntervalMs'>
  /** Free bytes of the file system holding `dir` (default: `statfs`); a test's seam. */
  freeBytes?: (dir: string) => number
}

/** What one state sync attempt gave. */
export type StateSyncOutcome =
  /** The state at `block` is installed. */
  | { status: 'synced'; block: BlockRecord; setChanges: number }
  /** Not needed: the chain is not fresh, or no peer is `minLead` ahead (block sync does the rest). */
  | { status: 'not-needed' }
  /** No peer answered, or none served a proof and state that verified, or the disk has no room to install it yet: try again later. */
  | { status: 'retry' }

/**
 * Database bytes an install writes per byte of the downloaded node file (measured: 1.89 GB of
 * database from 1.55 GB of nodes at 1 M files), rounded up.
 */
const DATABASE_BYTES_PER_FILE_BYTE = 1.3
/** Room kept free beside the install's estimate: the database's own headroom and the rest of the node. */
const INSTALL_MARGIN_BYTES = 512 * 2 ** 20
/** Least time between two "no room to install" warnings (a round runs every few seconds). */
const ROOM_WARNING_INTERVAL_MS = 60_000

/**
 * What a sync round leaves to the next, so that no work is lost to a transient failure: the proof
 * of the block whose download every peer failed mid-way (the download itself waits in
 * {@link StateDownloadCarry}), or a verified state the disk had no room for (installed once there
 * is). The owner disposes it when it stops syncing: that removes the temporary files.
 */
export class StateSyncCarry {
  readonly download = new StateDownloadCarry()
  /** The proof of the block whose download is carried. */
  proven: ProvenFinalized | undefined
  /** A verified state waiting for room on the disk, with its proof. */
  verified: { proven: ProvenFinalized; state: DownloadedState } | undefined
  /** When the last "no room" warning was logged. */
  lastRoomWarning = Number.NEGATIVE_INFINITY

  dispose(): void {
    this.download.dispose()
    this.verified?.state.dispose()
    this.verified = undefined
    this.proven = undefined
  }
}

/** One state sync attempt with the peers connected now. */
export async function syncState(components: StateSyncComponents, options: StateSyncOptions = {}): Promise<StateSyncOutcome> {
  const { chain, network, log, signal } = components
  if (chain.best.number !== 0) return { status: 'not-needed' }
  const carry = options.carry
  const limits: StateDownloadOptions = {
    ...options.download,
    spillDir: options.spillDir ?? dirname(chain.db.path),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(carry === undefined ? {} : { carry: carry.download }),
  }
  // A verified state waiting for room needs no peer: it is installed as soon as the disk allows.
  if (carry?.verified !== undefined) {
    const { proven, state } = carry.verified
    carry.verified = undefined
    return install(components, options, proven, state, undefined)
  }
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
  const usable = (p: { peer: PeerId }) => !network.isBanned(p.peer)
  // A download every peer failed last round is continued at its block while a peer may still have it.
  const carried = carry?.proven
  if (carried !== undefined) {
    carry!.proven = undefined
    const servers = peers.filter((p) => usable(p) && p.finalized >= carried.target.number).map((p) => p.peer)
    if (servers.length > 0) {
      try {
        const outcome = await downloadAndInstall(components, options, limits, carried, servers)
        if (outcome !== undefined) return outcome
      } catch (err) {
        log.warn({ err, block: carried.target.number }, 'state sync: continuing the interrupted download failed')
        if (carry!.download.target !== undefined) {
          carry!.proven = carried
          return { status: 'retry' }
        }
      }
    }
    // No peer has that state any more: the held download is dropped with the next one's start.
    carry!.download.dispose()
  }
  if (peers[0]!.finalized < minLead) return { status: 'not-needed' }
  for (const { peer, finalized } of peers) {
    if (finalized < minLead || network.isBanned(peer)) continue
    let proven: ProvenFinalized | undefined
    try {
      proven = await proveFinalized({ chain, network, log, ...(signal === undefined ? {} : { signal }) }, peer, finalized, {
        ...(options.maxBytes === undefined ? {} : { maxHeaderBytes: options.maxBytes }),
      })
      // The state from the peer that proved the block; the others take over (from the last key
      // received) when its requests keep failing or it no longer has the state.
      const servers = [peer, ...peers.map((p) => p.peer).filter((p) => !p.equals(peer) && !network.isBanned(p))]
      const outcome = await downloadAndInstall(components, options, limits, proven, servers)
      if (outcome !== undefined) return outcome
    } catch (err) {
      // Warn: a state sync that keeps failing (too large, a peer that serves a wrong state) must be visible.
      log.warn({ err, peer: peer.toString() }, 'state sync with peer failed')
      // Every peer failed mid-download (they were all asked): the next round continues it.
      if (carry !== undefined && proven !== undefined && carry.download.target !== undefined) {
        carry.proven = proven
        return { status: 'retry' }
      }
    }
  }
  return { status: 'retry' }
}

/** Downloads the state at `proven`'s block from `servers` (in turn) and installs it; `undefined` when none has it. */
async function downloadAndInstall(
  components: StateSyncComponents,
  options: StateSyncOptions,
  limits: StateDownloadOptions,
  proven: ProvenFinalized,
  servers: readonly PeerId[],
): Promise<StateSyncOutcome | undefined> {
  const { network, log, signal } = components
  const target = { hash: proven.target.hash, number: proven.target.number, stateRoot: proven.target.header.stateRoot }
  const [first, ...otherPeers] = servers
  const state = await downloadState({ network, log, ...(signal === undefined ? {} : { signal }) }, first!, target, { ...limits, otherPeers })
  if (state === undefined) return undefined
  return install(components, options, proven, state, first!)
}

/**
 * Installs a verified state, when the disk has room for it: the install sorts the node file into
 * runs as large as itself, then writes the database. Without room the state is kept (in the
 * carry, for the next round; or removed when there is none) and the user told what to free.
 */
function install(
  components: StateSyncComponents,
  options: StateSyncOptions,
  proven: ProvenFinalized,
  state: DownloadedState,
  from: PeerId | undefined,
): StateSyncOutcome {
  const { chain, log } = components
  const dir = dirname(chain.db.path)
  const needed = Math.ceil(state.fileBytes * (1 + DATABASE_BYTES_PER_FILE_BYTE)) + INSTALL_MARGIN_BYTES
  const free = (options.freeBytes ?? freeBytesOf)(dir)
  if (free < needed) {
    const carry = options.carry
    const fields = { block: proven.target.number, dir, neededBytes: needed, freeBytes: free, stateFileBytes: state.fileBytes }
    if (carry === undefined) {
      state.dispose()
      log.error(fields, `not enough free disk to install the downloaded state: free ${gib(needed - free)} GiB more in ${dir} and sync again`)
      return { status: 'retry' }
    }
    carry.verified = { proven, state }
    const now = performance.now()
    if (now - carry.lastRoomWarning >= ROOM_WARNING_INTERVAL_MS) {
      carry.lastRoomWarning = now
      log.error(
        fields,
        `not enough free disk to install the downloaded state: free ${gib(needed - free)} GiB more in ${dir}; it is kept and installed once there is room`,
      )
    }
    return { status: 'retry' }
  }
  log.info({ block: proven.target.number, pairs: state.pairs, bytes: state.bytes }, 'installing the downloaded state')
  let block: BlockRecord
  try {
    block = chain.importSyncedState(proven.headers, state, proven.justification)
  } finally {
    state.dispose()
  }
  log.info(
    { peer: from?.toString(), block: block.number, hash: block.hashHex, pairs: state.pairs, bytes: state.bytes, setChanges: proven.setChanges },
    'state synced',
  )
  return { status: 'synced', block, setChanges: proven.setChanges }
}

function freeBytesOf(dir: string): number {
  const stats = statfsSync(dir)
  return stats.bavail * stats.bsize
}

function gib(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(2)
}
