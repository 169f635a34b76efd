/**
 * @packageDocumentation
 *
 * The crust-ts sWorker: a (software, for now) enclave that seals stored files, fills spare room,
 * checks both, and signs the work reports the chain's `swork` pallet verifies.
 *
 * @example
 * ```ts
 * import { Sworker, devAttestationAuthority, blockstoreBlockSource } from '@crust-ts/sworker'
 *
 * const sworker = await Sworker.open({ dataDir: './sworker', authority: devAttestationAuthority() })
 * const registerArgs = await sworker.enclave.attest(applierAccountId)
 * await sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
 * await sworker.srd.change(2)
 * const report = sworker.reporter.buildWorkReport({ slot, slotHash })
 * // submit swork.reportWorks(...report.args); once it landed:
 * await sworker.reporter.commitReport()
 * ```
 */
export * from './check/index.js'
export * from './enclave/index.js'
export * from './merkle/index.js'
export * from './node/index.js'
export * from './report/index.js'
export * from './seal/index.js'
export * from './srd/index.js'
export * from './store/index.js'
export * from './chain/index.js'
export * from './api/index.js'
export * from './run/index.js'
