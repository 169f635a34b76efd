/** What the sManager's parts share: its collaborators, its config, its clock and its run state. */
import type { Logger } from '@crust-ts/base'
import type { ChainClient } from '../chain/index.js'
import type { PullClient } from '../ipfs/index.js'
import type { SmanagerConfig } from '../options.js'
import type { TaskStore } from '../store/index.js'
import type { SworkerClient } from '../sworker/index.js'

/** The node's role: an isolation node is its own owner; a member shards orders with its group. */
export type SmanagerRole = 'isolation' | 'member'

export interface ManagerContext {
  readonly store: TaskStore
  readonly chain: ChainClient
  readonly ipfs: PullClient
  readonly sworker: SworkerClient
  readonly config: SmanagerConfig
  /** The `smanager` component logger (one for every part, as before the cut). */
  readonly log: Logger
  /** SS58 address of the node account. */
  readonly account: string
  readonly role: SmanagerRole
  /** [0, 1) source for strategy picks. */
  readonly random: () => number
  /** Wall clock, ms. */
  readonly now: () => number
  /** The newest head seen: the block recorded with transitions made outside block handling. */
  readonly latestHead: () => number
  /** True once {@link Smanager.stop} began. */
  readonly stopped: () => boolean
  /** Aborted when the sManager stops. */
  readonly signal: AbortSignal
}

/** Closes the order of a CID: removes what is held (see `Removal.close`). */
export type CloseOrder = (cid: string, reason: string, block: number) => Promise<void>
