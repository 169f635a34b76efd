export { type OrderContentRootParameters, orderContentRoot } from './content-root.js'
export { createOrderEngine, OrderEngine, type OrderEngineStats } from './engine.js'
export { OrderError, OrderErrorCode } from './errors.js'
export { ipfsUnreachable, pinAndSize } from './ipfs.js'
export {
  type AccountLimits,
  CRUST_EXPIRE_MARGIN_BLOCKS,
  defaultAccountLimits,
  defaultOrderEngineOptions,
  type OrderEngineHooks,
  type OrderEngineInit,
  PLANCKS_PER_CRU,
} from './options.js'
export { type Candidate, FairScheduler } from './scheduler.js'
