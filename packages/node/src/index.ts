/**
 * @packageDocumentation
 *
 * A crust-ts storage node: IPFS, sWorker, sManager and metrics in one process (`crust node --mode`).
 */
export * from './account.js'
export * from './config.js'
export * from './metrics.js'
export * from './storage-node.js'
export * from './groups.js'
export * from './tx.js'
export * from './chain.js'
export * from './sync-target.js'
export * from './provider-hints.js'
export { publishPeerRecord, publishPeerRecordOnceIdentified, recordAddresses } from './peer-record.js'
export * from './status.js'
