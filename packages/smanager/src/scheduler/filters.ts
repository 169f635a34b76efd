/**
 * The rules that decide whether this node takes an order, each returning the reason it does not
 * (Crust's reason names where Crust has one) or undefined when the order passes. `skip` reasons
 * are final for this order; `defer` ones are tried again later (space, group).
 */
import { CID } from 'multiformats/cid'
import { GIB } from '../constants.js'
import type { SmanagerConfig } from '../options.js'
import type { TaskSource } from '../store/index.js'

export type SkipReason = 'sizeTooSmall' | 'sizeTooLarge' | 'tooManyReplicas' | 'replicasNotEnough' | 'lifeTimeTooShort' | 'nodeSkipped'
export type DeferReason = 'insufficientSpace' | 'srdRatioTooLow' | 'noGroup' | 'groupOwner'

/** The order as the filters see it (fresh from the chain). */
export interface Candidate {
  cid: string
  size: number
  replicas: number
  expiredAt: number
  source: TaskSource
}

/** `minFileSize` / `maxFileSize` (bytes, 0 = no limit). */
export function sizeFilter(c: Candidate, config: Pick<SmanagerConfig, 'minFileSize' | 'maxFileSize'>): SkipReason | undefined {
  if (config.minFileSize > 0 && c.size < config.minFileSize) return 'sizeTooSmall'
  if (config.maxFileSize > 0 && c.size > config.maxFileSize) return 'sizeTooLarge'
  return undefined
}

/** Replicas ≥ maxReplicas: enough nodes have it; db-scanned files also need minReplicas (Crust's rule). */
export function replicasFilter(c: Candidate, config: Pick<SmanagerConfig, 'minReplicas' | 'maxReplicas'>): SkipReason | undefined {
  if (c.replicas >= config.maxReplicas) return 'tooManyReplicas'
  if (c.source === 'dbScan' && c.replicas < config.minReplicas) return 'replicasNotEnough'
  return undefined
}

/** An order already past its end (and not renewed) is not worth pulling. */
export function lifetimeFilter(c: Candidate, head: number): SkipReason | undefined {
  return c.expiredAt > 0 && c.expiredAt <= head ? 'lifeTimeTooShort' : undefined
}

/** The group this node belongs to, as sharding needs it. */
export interface GroupInfo {
  owner: string
  /** Member accounts, sorted. */
  members: string[]
  /** This node's place in `members`. */
  index: number
}

/** The CID as a number (its CIDv1 bytes, big-endian; Crust's `cidAsBigInt` over base16). */
export function cidToBigInt(cid: string): bigint {
  return BigInt(`0x${Buffer.from(CID.parse(cid).toV1().bytes).toString('hex')}`)
}

/** Member nodes of a group split the orders: a node takes the CIDs with `cid mod members == index`. */
export function shardFilter(cid: string, group: GroupInfo): SkipReason | undefined {
  if (group.members.length <= 1) return undefined
  return cidToBigInt(cid) % BigInt(group.members.length) === BigInt(group.index) ? undefined : 'nodeSkipped'
}

/** The sWorker's `GET /workload` figures the space rule needs (GB as the sWorker reports them). */
export interface SpaceFigures {
  srdComplete: number
  diskAvailable: number
  sysDiskAvailable: number
}

/**
 * Free space: sWorker free (srd_complete + disk_available) must cover `spaceFactor` × (file +
 * files being pulled or sealed), the system disk must keep `reservedSpace`, and at least
 * `minSrdRatio` % of the free space must already be SRD.
 */
export function spaceFilter(
  size: number,
  pendingBytes: number,
  space: SpaceFigures,
  config: Pick<SmanagerConfig, 'spaceFactor' | 'reservedSpace' | 'minSrdRatio'>,
): DeferReason | undefined {
  const free = space.srdComplete + space.diskAvailable
  if (config.minSrdRatio > 0 && (free <= 0 || (space.srdComplete / free) * 100 < config.minSrdRatio)) return 'srdRatioTooLow'
  if (space.sysDiskAvailable * GIB < config.reservedSpace) return 'insufficientSpace'
  if (free * GIB < config.spaceFactor * (size + pendingBytes)) return 'insufficientSpace'
  return undefined
}
