import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, custom, decodeEventLog, type PublicClient, parseEther } from 'viem'
import { hardhat } from 'viem/chains'
import { priceOracleAbi, storageOrderAbi } from '../src/artifacts.js'
import { DEV_ORACLE_PRICES } from '../src/constants.js'
import { type DeployedContracts, deployContracts, type OraclePrices } from '../src/deploy.js'
import { type EvmDevNode, startEvmDevNode } from '../src/dev-node.js'

// Crust's formula, written out independently of the contract.
function expectedPrice(size: bigint, permanent: boolean, p: OraclePrices = DEV_ORACLE_PRICES): bigint {
  const price = (((((p.basePrice + (size * p.bytePrice) / 1048576n) * (p.servicePriceRate + 100n)) / 100n) * 100000n) / p.cruEthRate) * 1000000n
  return permanent ? price * 200n : price
}

let node: EvmDevNode
let client: PublicClient
let contracts: DeployedContracts
let owner: `0x${string}`
let customer: `0x${string}`
let merchant: `0x${string}`
let stranger: `0x${string}`
const wallet = (account: `0x${string}`) => createWalletClient({ account, chain: hardhat, transport: custom(node.provider) })

before(async () => {
  node = await startEvmDevNode({ serve: false })
  ;[owner, customer, merchant, stranger] = node.accounts as [`0x${string}`, `0x${string}`, `0x${string}`, `0x${string}`]
  client = createPublicClient({ chain: hardhat, transport: custom(node.provider) })
  contracts = await deployContracts(wallet(owner), client, { orderNodes: [merchant] })
})
after(async () => {
  await node?.close()
})

/** The revert reason of a call the contract refuses. */
async function revertReason(call: () => Promise<unknown>): Promise<string> {
  try {
    await call()
  } catch (err) {
    const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
    if (revert instanceof ContractFunctionRevertedError) return revert.reason ?? '(no reason)'
    throw err
  }
  assert.fail('the call was not refused')
}

test('getPrice follows Crust formula, permanent storage costs 200 times, through the proxy', async () => {
  for (const size of [0n, 1n, 1048576n, 123_456_789n]) {
    const price = await client.readContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [size, false] })
    assert.equal(price, expectedPrice(size, false), `size ${size}`)
    const permanent = await client.readContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [size, true] })
    assert.equal(permanent, expectedPrice(size, true), `size ${size} permanent`)
  }
  assert.ok(expectedPrice(1048576n, false) > 0n)
})

test('placeOrderWithNode pays the node exactly the price, refunds the rest and emits Order', async () => {
  const size = 5_000_000n
  const price = expectedPrice(size, false)
  const paid = price + parseEther('1')
  const [customerBefore, merchantBefore] = await Promise.all([client.getBalance({ address: customer }), client.getBalance({ address: merchant })])
  const hash = await wallet(customer).writeContract({
    address: contracts.storageOrder,
    abi: storageOrderAbi,
    functionName: 'placeOrderWithNode',
    args: ['QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u', size, merchant, false],
    value: paid,
  })
  const receipt = await client.waitForTransactionReceipt({ hash })
  assert.equal(receipt.status, 'success')
  const [customerAfter, merchantAfter] = await Promise.all([client.getBalance({ address: customer }), client.getBalance({ address: merchant })])
  assert.equal(merchantAfter - merchantBefore, price)
  assert.equal(customerBefore - customerAfter, price + receipt.gasUsed * receipt.effectiveGasPrice)
  assert.equal(await client.getBalance({ address: contracts.storageOrder }), 0n)
  const orders = receipt.logs.filter((l) => l.address.toLowerCase() === contracts.storageOrder.toLowerCase())
  assert.equal(orders.length, 1)
  const event = decodeEventLog({ abi: storageOrderAbi, eventName: 'Order', data: orders[0]?.data, topics: orders[0]?.topics ?? [] })
  assert.deepEqual(event.args, { customer, merchant, cid: 'QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u', size, price, isPermanent: false })
})

test('placeOrder picks an allowed node and pays it the permanent price', async () => {
  const size = 1000n
  const price = expectedPrice(size, true)
  const before = await client.getBalance({ address: merchant })
  const hash = await wallet(customer).writeContract({
    address: contracts.storageOrder,
    abi: storageOrderAbi,
    functionName: 'placeOrder',
    args: ['QmPermanent', size, true],
    value: price,
  })
  const receipt = await client.waitForTransactionReceipt({ hash })
  const event = decodeEventLog({ abi: storageOrderAbi, eventName: 'Order', data: receipt.logs[0]?.data, topics: receipt.logs[0]?.topics ?? [] })
  assert.equal(event.args.merchant, merchant)
  assert.equal(event.args.isPermanent, true)
  assert.equal(event.args.price, price)
  assert.equal((await client.getBalance({ address: merchant })) - before, price)
})

test('refusals revert with the contract messages: unknown node, underpayment, size over the limit', async () => {
  const place = (args: readonly [string, bigint, `0x${string}`, boolean], value: bigint) => () =>
    client.simulateContract({ account: customer, address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'placeOrderWithNode', args, value })
  const price = expectedPrice(100n, false)
  assert.equal(await revertReason(place(['QmX', 100n, stranger, false], price)), 'Unsupported order node')
  assert.equal(await revertReason(place(['QmX', 100n, merchant, false], price - 1n)), 'Not enough value for the price')
  const over = DEV_ORACLE_PRICES.sizeLimit + 1n
  assert.equal(await revertReason(place(['QmX', over, merchant, false], parseEther('1000'))), 'Size exceeds limit')
  assert.equal(
    await revertReason(() => client.readContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [over, false] })),
    'Size exceeds limit',
  )
})

test('only the owner manages order nodes and only whitelisted setters set prices', async () => {
  const addByStranger = () =>
    client.simulateContract({ account: stranger, address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'addOrderNode', args: [stranger] })
  await assert.rejects(addByStranger(), (err: unknown) => err instanceof BaseError && /OwnableUnauthorizedAccount/.test(err.message))
  assert.equal(
    await revertReason(() =>
      client.simulateContract({ account: stranger, address: contracts.priceOracle, abi: priceOracleAbi, functionName: 'setOrderPrice', args: [1n, 1n] }),
    ),
    'Not a price setter',
  )
  const o = wallet(owner)
  await client.waitForTransactionReceipt({
    hash: await o.writeContract({ address: contracts.priceOracle, abi: priceOracleAbi, functionName: 'addPriceSetter', args: [stranger] }),
  })
  await client.waitForTransactionReceipt({
    hash: await wallet(stranger).writeContract({ address: contracts.priceOracle, abi: priceOracleAbi, functionName: 'setServicePriceRate', args: [0n] }),
  })
  const price = await client.readContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [1048576n, false] })
  assert.equal(price, expectedPrice(1048576n, false, { ...DEV_ORACLE_PRICES, servicePriceRate: 0n }))
  // A removed node is refused again.
  await client.waitForTransactionReceipt({
    hash: await o.writeContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'addOrderNode', args: [stranger] }),
  })
  await client.waitForTransactionReceipt({
    hash: await o.writeContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'removeOrderNode', args: [stranger] }),
  })
  const nodes = await client.readContract({ address: contracts.storageOrder, abi: storageOrderAbi, functionName: 'getOrderNodes' })
  assert.deepEqual(nodes, [merchant])
  assert.equal(
    await revertReason(() =>
      client.simulateContract({
        account: customer,
        address: contracts.storageOrder,
        abi: storageOrderAbi,
        functionName: 'placeOrderWithNode',
        args: ['QmX', 1n, stranger, false],
        value: parseEther('1'),
      }),
    ),
    'Unsupported order node',
  )
})
