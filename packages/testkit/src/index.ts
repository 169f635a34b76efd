/**
 * @packageDocumentation
 *
 * Test support shared by the packages' end-to-end tests: `crust node` and `crust dev` as real
 * child processes, polling with a deadline, the report slot a simulated sWorker reports for, sending a transaction until its block, and a simulated sWorker identity that registers and
 * signs work reports with the dev attestation key, and a rogue peer that lies on the chain's p2p protocols.
 */
export * from './dev-process.js'
export * from './node-process.js'
export * from './report-slot.js'
export * from './send.js'
export * from './sworker-sim.js'
export * from './rogue-peer.js'
export * from './netns/index.js'
export * from './testnet-process.js'
export * from './process-diagnosis.js'
export * from './chaos/index.js'
export * from './scale-state.js'
