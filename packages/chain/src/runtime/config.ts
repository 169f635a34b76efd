/** Chain-wide runtime parameters, taken from the chain spec (so `crust dev` can shorten them). */
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
  /** Weight to fee: fee = refTime * numerator / denominator (Crust: one tenth). */
  weightToFeeNumerator: bigint
  weightToFeeDenominator: bigint
  /** Per-extrinsic base weight (Substrate's default ExtrinsicBaseWeight, in ref-time units). */
  extrinsicBaseWeight: bigint
  /** Maximum normal-class weight and length of a block. */
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
}

export const defaultRuntimeConfig: RuntimeConfig = {
  specName: 'crust',
  specVersion: 1,
  transactionVersion: 1,
  ss58Prefix: 66,
  existentialDeposit: 100_000_000n,
  blockTimeMs: 6000,
  blockHashCount: 2400,
  transactionByteFee: 100_000n,
  weightToFeeNumerator: 1n,
  weightToFeeDenominator: 10n,
  extrinsicBaseWeight: 125_000_000n,
  // 2 s of compute per block, 75 % of it for normal extrinsics; 5 MiB blocks (Crust's limits).
  maxBlockWeight: 1_500_000_000_000n,
  maxBlockLength: 5 * 1024 * 1024,
  treasuryFeeShare: 80n,
  reportSlot: 600,
  fileDuration: 2_592_000,
  eraLength: 3_600,
  sessionsPerEra: 6,
  punishmentSlots: 8,
}

/** The parameters a chain spec may override (`crust dev` shortens the periods). */
export const SPEC_RUNTIME_KEYS = ['reportSlot', 'fileDuration', 'eraLength', 'sessionsPerEra', 'punishmentSlots', 'existentialDeposit'] as const
export type SpecRuntimeOverrides = Partial<Pick<RuntimeConfig, (typeof SPEC_RUNTIME_KEYS)[number]>>
