/** Crust's pick strategies: which pool (db-scanned files or new-order files) the next pick comes from. */
import { STRATEGY_WEIGHTS } from '../constants.js'
import type { StrategyName, StrategyWeights } from '../options.js'
import type { TaskSource } from '../store/index.js'

/** Weights normalised to percentages (Crust's `getPickStrategy`). */
export function strategyWeights(strategy: StrategyName | StrategyWeights): StrategyWeights {
  const w = typeof strategy === 'string' ? STRATEGY_WEIGHTS[strategy] : strategy
  const total = w.dbFilesWeight + w.newFilesWeight
  return { dbFilesWeight: (w.dbFilesWeight / total) * 100, newFilesWeight: (w.newFilesWeight / total) * 100 }
}

/**
 * The pool of the next pick: `dbScan` with probability dbFilesWeight %, else `chainEvent`.
 * `random` returns a number in [0, 1) (Math.random by default; tests pass a seeded one).
 */
export function pickSource(weights: StrategyWeights, random: () => number = Math.random): TaskSource {
  return random() * 100 < weights.dbFilesWeight ? 'dbScan' : 'chainEvent'
}
