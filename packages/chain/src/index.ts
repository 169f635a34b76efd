/**
 * @packageDocumentation
 *
 * The crust-ts chain: a Substrate-compatible runtime, block production, state trie and JSON-RPC,
 * which unmodified `@polkadot/api` clients talk to.
 */
export * from './constants.js'
export * from './errors/crust-error.js'
