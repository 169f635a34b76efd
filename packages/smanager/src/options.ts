/** The sManager's tunables and their defaults (sized for a dev network on a laptop; Crust's in comments). */
import { MIB, STRATEGY_WEIGHTS } from './constants.js'
import { SmanagerError, SmanagerErrorCode } from './errors.js'

export type StrategyName = keyof typeof STRATEGY_WEIGHTS

/** How often a pick takes a db-scanned file vs a file from a new-order event (normalised to percentages). */
export interface StrategyWeights {
  dbFilesWeight: number
  newFilesWeight: number
}

export interface SmanagerConfig {
  /** `default` (50/50), `srdFirst` (80/10), `newFileFirst` (20/80) or explicit weights. */
  strategy: StrategyName | StrategyWeights
  /** Smallest and largest file taken, in bytes; 0 = no limit. */
  minFileSize: number
  maxFileSize: number
  /** Db-scanned files need at least this many replicas (Crust: 40; 0 here so a dev network's files qualify). */
  minReplicas: number
  /** Files with this many replicas or more are skipped (`tooManyReplicas`). */
  maxReplicas: number
  /** Files pulled or sealed at the same time. */
  maxPendingTasks: number
  /** Percent of (srd_complete + disk_available) that must already be SRD before pulling (Crust: 70). */
  minSrdRatio: number
  /** sWorker free space must cover this many times (file + pending files) (Crust: 2.2). */
  spaceFactor: number
  /** Bytes the system disk keeps free (Crust: 50 GiB). */
  reservedSpace: number
  /** A pull fails when IPFS reports no new block for this long. */
  pullIdleTimeoutMs: number
  /** A seal fails when the sWorker's sealed size does not move for this long. */
  sealIdleTimeoutMs: number
  /** How often `file/info` is polled while sealing. */
  sealPollMs: number
  /** Retry backoff: first delay, growth factor, cap. */
  retryBaseMs: number
  retryFactor: number
  retryMaxMs: number
  /** Attempts before a task stays failed; 0 = retry forever. */
  maxAttempts: number
  /** Decisions taken per block at most (Crust: 100 per round). */
  maxDecisionsPerBlock: number
  /** Every this many blocks the orders of files held are re-read (expiry, replicas, closed). */
  refreshEveryBlocks: number
  /** Page size of the `market.filesV2` scan on start. */
  scanPageSize: number
  /** More blocks than this behind: rescan instead of reading each block's events. */
  maxCatchUpBlocks: number
  /** Submit `market.calculateReward` for expired files held here. */
  settle: boolean
  /** Submission attempts of one settlement when the account's nonce clashes. */
  settleSubmitAttempts: number
  /** History entries kept per task. */
  historyLimit: number
}

export const defaultSmanagerConfig: SmanagerConfig = {
  strategy: 'default',
  minFileSize: 0,
  maxFileSize: 0,
  minReplicas: 0,
  maxReplicas: 100,
  maxPendingTasks: 32,
  minSrdRatio: 0,
  spaceFactor: 2.2,
  reservedSpace: 512 * MIB,
  pullIdleTimeoutMs: 120_000,
  sealIdleTimeoutMs: 600_000,
  sealPollMs: 500,
  retryBaseMs: 10_000,
  retryFactor: 2,
  retryMaxMs: 30 * 60_000,
  maxAttempts: 0,
  maxDecisionsPerBlock: 100,
  refreshEveryBlocks: 5,
  scanPageSize: 100,
  maxCatchUpBlocks: 256,
  settle: true,
  settleSubmitAttempts: 5,
  historyLimit: 50,
}

const NON_NEGATIVE: Array<keyof SmanagerConfig> = ['minFileSize', 'maxFileSize', 'minReplicas', 'reservedSpace', 'maxAttempts', 'minSrdRatio']
const POSITIVE: Array<keyof SmanagerConfig> = [
  'maxReplicas',
  'maxPendingTasks',
  'spaceFactor',
  'pullIdleTimeoutMs',
  'sealIdleTimeoutMs',
  'sealPollMs',
  'retryBaseMs',
  'retryMaxMs',
  'maxDecisionsPerBlock',
  'refreshEveryBlocks',
  'scanPageSize',
  'maxCatchUpBlocks',
  'settleSubmitAttempts',
  'historyLimit',
]

/** Defaults overlaid with `config`, checked; throws `SMANAGER_ERROR_INVALID_CONFIG` naming the key. */
export function resolveConfig(config: Partial<SmanagerConfig> = {}): SmanagerConfig {
  const out: SmanagerConfig = { ...defaultSmanagerConfig }
  for (const [key, value] of Object.entries(config)) {
    if (!(key in defaultSmanagerConfig)) throw new SmanagerError(SmanagerErrorCode.INVALID_CONFIG, `unknown config key ${key}`, { key })
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value
  }
  const bad = (key: string, why: string) => new SmanagerError(SmanagerErrorCode.INVALID_CONFIG, `config.${key} ${why}`, { key })
  for (const key of NON_NEGATIVE) {
    const v = out[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(key, 'must be a number >= 0')
  }
  for (const key of POSITIVE) {
    const v = out[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(key, 'must be a number > 0')
  }
  if (out.retryFactor < 1) throw bad('retryFactor', 'must be >= 1')
  if (out.minSrdRatio > 100) throw bad('minSrdRatio', 'must be a percentage (0-100)')
  if (out.maxFileSize > 0 && out.minFileSize > out.maxFileSize) throw bad('minFileSize', 'must not exceed maxFileSize')
  if (typeof out.strategy === 'string') {
    if (!(out.strategy in STRATEGY_WEIGHTS)) throw bad('strategy', `must be one of ${Object.keys(STRATEGY_WEIGHTS).join(', ')} or weights`)
  } else {
    const { dbFilesWeight: d, newFilesWeight: n } = out.strategy
    if (!(d >= 0 && n >= 0 && d + n > 0)) throw bad('strategy', 'weights must be >= 0 and not both 0')
  }
  return out
}
