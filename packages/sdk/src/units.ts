/**
 * The sdk's constants and CRU amount helpers alone (`@crust-ts/sdk/units`): no @polkadot/api, so a
 * command line can define its options and print its help without loading the client stack.
 */
export * from './constants.js'
export { formatCru, parseCru } from './amount.js'
