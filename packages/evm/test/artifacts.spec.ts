import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as artifacts from '../src/artifacts.js'
import { compileContracts } from '../src/compile.js'

// The committed src/artifacts.ts must be what solc makes of contracts/*.sol today: an edited
// contract without `npm run compile -w @crust-ts/evm` fails here.
test('the committed artifacts are what solc compiles from contracts/ now', () => {
  const result = compileContracts()
  assert.equal(artifacts.SOLC_VERSION, result.solcVersion)
  assert.deepEqual(artifacts.storageOrderAbi, result.contracts.StorageOrder.abi)
  assert.equal(artifacts.storageOrderBytecode, result.contracts.StorageOrder.bytecode)
  assert.deepEqual(artifacts.priceOracleAbi, result.contracts.PriceOracle.abi)
  assert.equal(artifacts.priceOracleBytecode, result.contracts.PriceOracle.bytecode)
  assert.equal(artifacts.erc1967ProxyBytecode, result.contracts.ERC1967Proxy.bytecode)
})
