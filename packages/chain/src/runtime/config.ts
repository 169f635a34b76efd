import type { RuntimeConfig } from '../frame/config.js'

export type { RuntimeConfig }

/** The runtime's parameters: Crust's values (a chain spec may override {@link SPEC_RUNTIME_KEYS}). */
export const defaultRuntimeConfig: RuntimeConfig = {
  specName: 'crust',
  // 2: swork binds enclave keys to their registering account (PubKeyOwner), the offences pallet, bound equivocation evidence.
  // 3: balances.transfer, Balances.Reserves; the Utility, Multisig and Proxy pallets.
  // 4: Crust's fee model (30 % weight to fee, TargetedFeeAdjustment, Crust's call weights, fee reduction
  // for calculate_reward only), replica counts that follow replicas, spower ripening, the election as Crust's.
  // 5: swork.set_peer_record / clear_peer_record (a storage node's peer record).
  // 6: storage challenges: file roots (Market.FileRoots, place_storage_order_with_root), the Challenges pallet.
  // 7: the Identity and Treasury pallets (Treasury.Deposit on fee shares, slashes and dust).
  // 8: session keys (Session.set_keys / purge_keys, NextKeys, KeyOwner, QueuedKeys, ActiveKeys) and ImOnline.
  // 9: pure proxies (proxy.create_pure / kill_pure), utility.dispatch_as, market.update_replicas
  // (Market.LastReplicasUpdateBlock, Swork.LastProcessedBlockWorkReports).
  // 10: proxy announcements (announce, remove_announcement, reject_announcement, proxy_announced;
  // Proxy.Announcements); utility's and proxy's calls take the dispatch class of the calls they carry.
  // 11: sudo and multisig weigh and class as the calls they carry (Substrate's rules; Crust's
  // multisig weights); as_multi is charged the weight used. Staking, utility, timestamp, remark and
  // heartbeat weights as Crust's weight files; rebond refunds to its post-dispatch weight.
  // 12: sWork's running workload aggregation keeps its per-owner sums in one Swork.WorkloadPages
  // value per block (WorkloadPageCount), not inside Workload: other state during aggregation.
  // Big era elections run paged in the blocks before the planning session start (Staking.Election*).
  // 13: the spower ripening queue is paged (Market.RipeningCount/RipeningPages/RipeningOffset; an
  // older runtime's Market.RipeningQueue entries are swept first), and report_works adds replicas
  // by splicing FileInfoV2's bytes (same layout).
  // 14: block hooks are charged: each on_initialize / on_finalize weighs its counted storage reads
  // and writes (RocksDbWeight), registered as Mandatory in the new System.BlockWeight with the base
  // block weight and the inherent; a Normal extrinsic is left out once the block's total would pass
  // the maximum, an Operational one fits in its 25 % reserve (and up to the whole block length).
  specVersion: 14,
  transactionVersion: 1,
  ss58Prefix: 66,
  existentialDeposit: 100_000_000n,
  blockTimeMs: 6000,
  blockHashCount: 2400,
  transactionByteFee: 100_000n,
  // 30 % of the weight (Crust runtime/src/impls.rs:63, Perbill::from_percent(30)).
  weightToFeeNumerator: 3n,
  weightToFeeDenominator: 10n,
  extrinsicBaseWeight: 125_000_000n,
  // 2 s of compute per block, 75 % of it for normal extrinsics; 5 MiB blocks (Crust's limits).
  maxBlockWeight: 2_000_000_000_000n,
  maxBlockLength: 5 * 1024 * 1024,
  treasuryFeeShare: 80n,
  reportSlot: 600,
  fileDuration: 2_592_000,
  eraLength: 3_600,
  sessionsPerEra: 6,
  punishmentSlots: 8,
  // 4 replicas per node per hour, answered within 100 blocks (10 minutes): see the chain README.
  challengesPerNode: 4,
  challengeWindow: 100,
  // 7 days of 6 s blocks (Crust runtime/src/lib.rs:451).
  spendPeriod: 100_800,
}

/** The parameters a chain spec may override (`crust dev` shortens the periods). */
export const SPEC_RUNTIME_KEYS = [
  'reportSlot',
  'fileDuration',
  'eraLength',
  'sessionsPerEra',
  'punishmentSlots',
  'existentialDeposit',
  'challengesPerNode',
  'challengeWindow',
  'spendPeriod',
] as const
export type SpecRuntimeOverrides = Partial<Pick<RuntimeConfig, (typeof SPEC_RUNTIME_KEYS)[number]>>
