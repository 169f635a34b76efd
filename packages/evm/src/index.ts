/**
 * @packageDocumentation
 *
 * Storage from EVM chains: the storage-order contract and price oracle (our Solidity, Crust's
 * interface), their compiled artifacts, deployment behind UUPS proxies, and the EVM dev node
 * (Hardhat's EDR in process, served over HTTP JSON-RPC).
 */
export * from './artifacts.js'
export { type EvmOrderInit, type EvmOrderResult, placeEvmOrder } from './client.js'
export { type CompileResult, type CompiledContract, type ContractName, compileContracts, renderArtifactsModule } from './compile.js'
export { DEFAULT_EVM_CHAIN_ID, DEFAULT_EVM_RPC_PORT, DEFAULT_ORDER_NODE_PORT, DEV_ORACLE_PRICES, PERMANENT_RENEWALS } from './constants.js'
export { type DeployedContracts, type DeployParameters, deployContracts, type OraclePrices } from './deploy.js'
export { type EvmDevNode, type EvmDevNodeInit, startEvmDevNode } from './dev-node.js'
export { EvmError, type EvmErrorCode } from './errors.js'
export * from './order-node/index.js'
