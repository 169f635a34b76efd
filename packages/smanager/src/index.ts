/**
 * @packageDocumentation
 *
 * The crust-ts sManager: follows storage orders on chain, decides which ones this node stores,
 * pulls them over IPFS (`pin/add` with a progress-based idle timeout), asks the sWorker to seal
 * them, settles expired orders with `market.calculateReward` and deletes closed ones. One
 * persistent task per CID records every decision with a reason an operator can query.
 *
 * @example
 * ```ts
 * import { Smanager, createSmanagerApi } from '@crust-ts/smanager'
 *
 * const sm = await Smanager.start({
 *   dataDir: './smanager', api, account, logger,
 *   ipfsApi: 'http://127.0.0.1:5001', sworkerApi: 'http://127.0.0.1:12222', sworkerTokenFile: './sworker/api-token',
 * })
 * sm.events.on('task', (task) => console.log(task.cid, task.status, task.reason))
 * const http = createSmanagerApi(sm, { port: 12223 })
 * await http.start()
 * ```
 */
export * from './api/index.js'
export * from './chain/index.js'
export * from './challenges/index.js'
export * from './constants.js'
export * from './errors.js'
export * from './ipfs/index.js'
export * from './options.js'
export { Reason, failureReason } from './reasons.js'
export * from './scheduler/index.js'
export { Smanager, type SmanagerComponents, type SmanagerInit, type SmanagerRole, type TaskFilter } from './smanager.js'
export * from './store/index.js'
export * from './sworker/index.js'
