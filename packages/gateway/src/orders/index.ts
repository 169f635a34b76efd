export { createOrderEngine, OrderEngine, type OrderEngineStats } from './engine.js'
export { OrderError, OrderErrorCode } from './errors.js'
export { pinAndSize } from './ipfs.js'
export { CRUST_EXPIRE_MARGIN_BLOCKS, defaultOrderEngineOptions, type OrderEngineHooks, type OrderEngineInit } from './options.js'
