/** `npm run bench`: every benchmark, each printing its figure and its ratio to an anchor measured in the same run. */
import { runChainBench } from './chain.js'
import { runEraBench } from './era.js'
import { runReportWorksBench } from './report-works.js'

/** The IPFS add/cat benchmark lives with the IPFS package (it measures internals); loaded from its build. */
interface AddCatBench {
  runAddCatBench(opts: { size?: number; rounds?: number }): Promise<unknown>
  formatAddCatBench(result: unknown): string
}

const pct = (part: number, total: number) => `${((100 * part) / total).toFixed(0)}%`

for (const kind of ['transfer', 'order'] as const) {
  const chain = await runChainBench({ kind, ...(kind === 'order' ? { senders: 2000, perSender: 2 } : {}) })
  const { validateMs, executeMs, commitMs } = chain.split
  const total = validateMs + executeMs + commitMs
  const what = kind === 'transfer' ? 'transferKeepAlive' : 'market.placeStorageOrder (1 MiB, new CIDs)'
  console.log(
    [
      `chain: ${chain.transactions} signed ${what} in ${chain.blocks} blocks: ${chain.perSecond.toFixed(0)} extrinsics/s on one core (target >= 1000)`,
      `  split: validation incl. signature check ${validateMs.toFixed(0)} ms (${pct(validateMs, total)}), block execution ${executeMs.toFixed(0)} ms (${pct(executeMs, total)}), trie + database commit ${commitMs.toFixed(0)} ms (${pct(commitMs, total)})`,
      `  of the validation, signature checks alone take ~${((1000 * chain.transactions) / chain.anchorVerifyPerSecond).toFixed(0)} ms (one WASM sr25519 verify per transaction)`,
      `  anchor: raw WASM sr25519 verify ${chain.anchorVerifyPerSecond.toFixed(0)}/s; ratio extrinsics/s : verifies/s = ${(chain.perSecond / chain.anchorVerifyPerSecond).toFixed(2)}`,
    ].join('\n'),
  )
}

const rw = await runReportWorksBench()
console.log(
  [
    `chain: ${rw.reports} signed swork.reportWorks of ${rw.filesPerReport} added files each (orders exist; Crust's per-report limit) in ${rw.blocks} blocks: ${rw.perSecond.toFixed(1)} reports/s = ${(rw.perSecond * rw.filesPerReport).toFixed(0)} replicas/s`,
    `  split: validation incl. sr25519 check ${rw.split.validateMs.toFixed(0)} ms, block execution incl. P-256 check, replicas, commit ${rw.split.blockMs.toFixed(0)} ms`,
  ].join('\n'),
)

const challenges = (await import(new URL('../../packages/chain/dist/test/bench/challenges.bench.js', import.meta.url).href)) as {
  runChallengesBench(): Promise<unknown>
  formatChallengesBench(result: unknown): string
}
console.log(challenges.formatChallengesBench(await challenges.runChallengesBench()))

const era = await runEraBench()
console.log(
  `chain: era transition with ${era.candidates} candidates and ${era.guarantors} guarantors (16 targets each): election ${era.electionMs.toFixed(0)} ms, ` +
    `end-of-era rewards ${era.endEraMs.toFixed(1)} ms; ${era.elected} elected; one block's normal budget is 1,500 ms (Crust: 2 s x 75 %)`,
)

const { runPruningBench, formatPruningBench } = await import('./pruning.js')
// BENCH_PRUNING_BLOCKS shortens it (default 1,500 blocks: the window of 256 fills and then stays flat).
console.log(formatPruningBench(await runPruningBench({ blocks: Number(process.env.BENCH_PRUNING_BLOCKS ?? 1500) })))

const { runStateSyncBench, formatStateSyncBench } = await import('./state-sync.js')
// BENCH_STATE_SYNC_BLOCKS (comma-separated) changes the histories (default 1,000 and 5,000 blocks).
const histories = (process.env.BENCH_STATE_SYNC_BLOCKS ?? '1000,5000').split(',').map(Number)
console.log(formatStateSyncBench(await runStateSyncBench({ histories })))

const { runConsensusBench, formatConsensusBench } = await import('./consensus.js')
console.log(formatConsensusBench(await runConsensusBench()))
const { runConsensusRogueBench, formatConsensusRogueBench } = await import('./consensus-rogue.js')
console.log(formatConsensusRogueBench(await runConsensusRogueBench()))

const ipfs = (await import(new URL('../../packages/ipfs/dist/test/bench/add-cat.bench.js', import.meta.url).href)) as AddCatBench
// 1 GiB, generated (not committed); BENCH_IPFS_MIB shortens it.
const mib = Number(process.env.BENCH_IPFS_MIB ?? 1024)
console.log(ipfs.formatAddCatBench(await ipfs.runAddCatBench({ size: mib * 1024 * 1024, rounds: 1 })))

const apiAdd = (await import(new URL('../../packages/ipfs/dist/test/bench/api-add.bench.js', import.meta.url).href)) as {
  runApiAddBench(opts: { size?: number; rounds?: number }): Promise<unknown>
  formatApiAddBench(result: unknown): string
}
console.log(apiAdd.formatApiAddBench(await apiAdd.runApiAddBench({ size: Math.min(mib, 256) * 1024 * 1024, rounds: 1 })))

const apiCat = (await import(new URL('../../packages/ipfs/dist/test/bench/api-cat.bench.js', import.meta.url).href)) as {
  runApiCatBench(opts: { size?: number; rounds?: number }): Promise<unknown>
  formatApiCatBench(result: unknown): string
}
console.log(apiCat.formatApiCatBench(await apiCat.runApiCatBench({ size: Math.min(mib, 256) * 1024 * 1024, rounds: 3 })))

const pull = (await import(new URL('../../packages/ipfs/dist/test/bench/bitswap-pull.bench.js', import.meta.url).href)) as {
  runBitswapPullBench(opts: { size?: number; rounds?: number }): Promise<unknown>
  formatBitswapPullBench(result: unknown): string
}
// BENCH_PULL_MIB changes the file (default 256 MiB, as the pull figure).
console.log(pull.formatBitswapPullBench(await pull.runBitswapPullBench({ size: Number(process.env.BENCH_PULL_MIB ?? 256) * 1024 * 1024, rounds: 3 })))
const { runRetrievalHoldersBench, formatRetrievalHoldersBench } = await import('./retrieval-holders.js')
// Three holder processes in network namespaces, rate-limited with tc (needs root; says so and skips without it).
console.log(formatRetrievalHoldersBench(await runRetrievalHoldersBench({ rounds: Number(process.env.BENCH_HOLDERS_ROUNDS ?? 3) })))

const seal = (await import(new URL('../../packages/sworker/dist/test/bench/seal.bench.js', import.meta.url).href)) as {
  runSealBench(opts: { sizeMiB?: number; rounds?: number }): Promise<unknown>
  formatSealBench(result: unknown): string
}
// 1 GiB, generated (not committed), 3 rounds of anchor + seal (median); BENCH_SEAL_MIB shortens it.
console.log(seal.formatSealBench(await seal.runSealBench({ sizeMiB: Number(process.env.BENCH_SEAL_MIB ?? 1024), rounds: 3 })))

const { runUploadRootBench, formatUploadRootBench } = await import('./upload-root.js')
// BENCH_UPLOAD_MIB changes the file size (default 256 MiB); 3 rounds of the sdk's add with and without the content root.
console.log(formatUploadRootBench(await runUploadRootBench({ sizeMiB: Number(process.env.BENCH_UPLOAD_MIB ?? 256), rounds: 3 })))

const proof = (await import(new URL('../../packages/sworker/dist/test/bench/proof.bench.js', import.meta.url).href)) as {
  runProofBench(opts: { sizesMiB?: number[]; rounds?: number }): Promise<unknown>
  formatProofBench(result: unknown): string
}
// Storage proofs from sealed files of 1 MiB and 256 MiB (imported in memory first: 1024 needs ~3 GiB); BENCH_PROOF_MIB changes the sizes.
const proofSizes = (process.env.BENCH_PROOF_MIB ?? '1,256').split(',').map(Number)
console.log(proof.formatProofBench(await proof.runProofBench({ sizesMiB: proofSizes, rounds: 3 })))

const { runOutsourcingBench, formatOutsourcingBench } = await import('./outsourcing.js')
// A node keeping nothing answers by fetching from a holder (issue #18, item 6); BENCH_OUTSOURCING_MIB changes the file (default 64 MiB).
console.log(formatOutsourcingBench(await runOutsourcingBench({ sizeMiB: Number(process.env.BENCH_OUTSOURCING_MIB ?? 64), proofs: 20, rounds: 3 })))
const { runReplicaEncodingBench, formatReplicaEncodingBench } = await import('./replica-encoding.js')
// The replica-unique sequential encoding study; BENCH_REPLICA_MIB changes the size (default 64 MiB, extrapolated to 1 GiB).
console.log(formatReplicaEncodingBench(await runReplicaEncodingBench({ sizeMiB: Number(process.env.BENCH_REPLICA_MIB ?? 64), rounds: 3 })))

const { runIdleMemoryBench, formatIdleMemoryBench } = await import('./idle-memory.js')
// The default crust dev network, idle after its first work reports: RSS per process (absolute).
console.log(formatIdleMemoryBench(await runIdleMemoryBench({ rounds: 3 })))
const { runDevStorageBench, formatDevStorageBench } = await import('./dev-storage.js')
console.log(formatDevStorageBench(await runDevStorageBench({ sizeMiB: Number(process.env.BENCH_DEV_MIB ?? 100) })))
console.log(await import('./gateway.js').then((m) => m.runGatewayBench().then(m.formatGatewayBench)))
const { runEvmOrdersBench, formatEvmOrdersBench } = await import('./evm-orders.js')
// BENCH_EVM_ORDERS changes the burst (default 200 orders; 3 rounds, each well under a minute).
console.log(formatEvmOrdersBench(await runEvmOrdersBench({ orders: Number(process.env.BENCH_EVM_ORDERS ?? 200), rounds: 3 })))

const consoleBench = (await import(new URL('../../packages/console/dist/test/bench/console.bench.js', import.meta.url).href)) as {
  runConsoleBench(opts: { sizeMiB?: number; rounds?: number }): Promise<unknown>
  formatConsoleBench(result: unknown): string
}
// One crust dev (one storage node) and Chromium; BENCH_CONSOLE_MIB changes the uploaded size (default 32 MiB).
console.log(consoleBench.formatConsoleBench(await consoleBench.runConsoleBench({ sizeMiB: Number(process.env.BENCH_CONSOLE_MIB ?? 32), rounds: 3 })))

// 4 validators and 3 storage nodes in network namespaces, links with 80 ± 20 ms and 1 % loss beside
// the same network whose links add nothing (needs root; it says so otherwise).
const { runTestnetBench, formatTestnetBench } = await import('./testnet.js')
console.log(formatTestnetBench(await runTestnetBench()))
