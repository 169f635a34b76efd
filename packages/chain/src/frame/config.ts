/**
 * Chain-wide runtime parameters, as the pallets read them (`ctx.config`); the runtime supplies the
 * values (`runtime/config.ts`), taken from the chain spec (so `crust dev` can shorten them).
 */
export interface RuntimeConfig {
  specName: string
  specVersion: number
  transactionVersion: number
  ss58Prefix: number
  /** Minimum balance an account must keep to exist (Crust: 10^8 = 0.0001 CRU). */
  existentialDeposit: bigint
  blockTimeMs: number
  /** How many recent block hashes the chain keeps (and so the longest mortal era). */
  blockHashCount: number
  /** Fee per encoded byte of an extrinsic (Crust: 10^5). */
  transactionByteFee: bigint
  /** Weight to fee: fee = refTime * numerator / denominator, rounded to the nearest (Crust: 30 %). */
  weightToFeeNumerator: bigint
  weightToFeeDenominator: bigint
  /** Per-extrinsic base weight (Substrate's default ExtrinsicBaseWeight, in ref-time units). */
  extrinsicBaseWeight: bigint
  /** Maximum weight of a block (Crust: 2 s = 2·10^12; normal extrinsics get 75 % of it) and its maximum length. */
  maxBlockWeight: bigint
  maxBlockLength: number
  /** Share of fees and tips that goes to the treasury, in percent (the rest to the block author). */
  treasuryFeeShare: bigint
  /** Blocks per sWorker report slot (Crust: 600 = 1 h); fee adjustment and workload checks follow it. */
  reportSlot: number
  /** Blocks one paid storage period lasts (Crust: 180 days = 2_592_000 blocks). */
  fileDuration: number
  /** Blocks per era (Crust: 6 sessions of 600 = 3_600); a session is eraLength / sessionsPerEra blocks. */
  eraLength: number
  /** Sessions per era (Crust's `SessionsPerEra`: 6); an era is one session when eraLength is not a multiple of it. */
  sessionsPerEra: number
  /** Report slots a node's workload stays zero after a missed report (Crust: 8). */
  punishmentSlots: number
  /** Blocks between treasury spends (Crust's `SpendPeriod`: 7 days = 100_800 blocks). */
  spendPeriod: number
  /** Storage challenges (not in Crust): replicas each storage node is challenged on per report slot (k). */
  challengesPerNode: number
  /** Storage challenges: blocks a storage node has to answer its challenges (W); less than a report slot. */
  challengeWindow: number
}
