/**
 * The order node with real processes: a chain node, `crust evm-node` (blocks mined only on
 * transactions and when the test mines), and `crust order-node` as a child. One network for all
 * cases: an order placed once; a permanent order held after its nonce is recorded, kill -9, then a
 * restart (its prepaid renewals added once); a snapshot/revert reorg before the confirmations; an
 * invalid CID; `crust upload --evm`; the price oracle kept in line with Crust's fees and the rate.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { drifted, PERMANENT_RENEWALS, priceOracleAbi, storageOrderAbi } from '@crust-ts/evm'
import { connectChain, loadSigner, orderFee, orderStatus, submit } from '@crust-ts/sdk'
import { CLI_BIN, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'
import { type IpfsProcess, runCrust, startIpfsDaemon } from './fixtures/ipfs-process.js'
import { createPublicClient, createWalletClient, http } from 'viem'

// Hardhat's dev account 1: the allowed order node of `crust evm-node` (a well-known test key).
const MERCHANT_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const CRUST_ACCOUNT = '//Dave'
/** Hardhat's well-known dev account #3: the customer of `crust upload --evm`. */
const UPLOADER_KEY = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
const CIDS = [
  'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
  'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
  'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB',
]

interface Child {
  child: ChildProcess
  exited: Promise<unknown>
  logs: string[]
}

/** A `crust` child reporting its endpoints over IPC. */
async function startChild<E>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Child & { endpoints: E }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...env } })
  const logs: string[] = []
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const endpoints = await new Promise<E>((resolve, reject) => {
    child.on('message', (m: { type?: string; endpoints?: E }) => m.type === 'ready' && resolve(m.endpoints as E))
    exited.then((code) => reject(new Error(`${args[0]} exited (${code}):\n${logs.join('')}`)))
  })
  return { child, exited, logs, endpoints }
}

interface Record {
  state: string
  reason?: string
  nonce?: number
  cid: string
  prepaid?: string
  prepaidPricedAt?: number
}

/** The oracle's rate the order node is told to keep: 12,500 CRU per ETH (deployed with 10,000). */
const CRU_PER_ETH = '12500'

describe('order node e2e', () => {
  const base = makeBasePath()
  let chain: NodeProcess
  let evm: Child & { endpoints: { rpcUrl: string; orderNodeAddress: `0x${string}`; contracts: { storageOrder: `0x${string}` } } }
  let orderNode: (Child & { endpoints: { api: string } }) | undefined
  let api: ApiPromise
  let daveAddress: string
  let pub: ReturnType<typeof createPublicClient>
  let wallet: ReturnType<typeof createWalletClient>
  let customer: `0x${string}`
  let orderNodeArgs: string[]
  let ipfs: IpfsProcess | undefined

  const rpc = (method: string, params: unknown[] = []) => (pub.request as (a: { method: string; params: unknown[] }) => Promise<unknown>)({ method, params })
  const mine = async (n: number) => {
    for (let i = 0; i < n; i++) await rpc('evm_mine')
  }
  const crustNonce = async () => ((await api.query.system!.account!(daveAddress)) as unknown as { nonce: { toNumber(): number } }).nonce.toNumber()
  const startOrderNode = async (env: NodeJS.ProcessEnv = {}) => {
    orderNode = await startChild(orderNodeArgs, env)
  }
  /** Places an Order through the contract; returns the event's API key. */
  const placeOrder = async (cid: string, permanent = false): Promise<string> => {
    const price = (await pub.readContract({
      address: evm.endpoints.contracts.storageOrder,
      abi: storageOrderAbi,
      functionName: 'getPrice',
      args: [1000n, permanent],
    })) as bigint
    const hash = await wallet.writeContract({
      address: evm.endpoints.contracts.storageOrder,
      abi: storageOrderAbi,
      functionName: 'placeOrderWithNode',
      args: [cid, 1000n, evm.endpoints.orderNodeAddress, permanent],
      value: price,
      account: customer,
      chain: null,
    })
    const receipt = await pub.waitForTransactionReceipt({ hash })
    return `31337/${hash}/${receipt.logs.at(-1)!.logIndex}`
  }
  /**
   * The oracle's rates (at one EVM block) when they are in line: within the order node's tolerance
   * (5 %) of the chain's fees (which the chain itself moves by 0.3 % steps), the rate exact.
   */
  const inLine = async () => {
    const oracle = (await pub.readContract({
      address: evm.endpoints.contracts.storageOrder,
      abi: storageOrderAbi,
      functionName: 'priceOracle',
    })) as `0x${string}`
    const blockNumber = await pub.getBlockNumber({ cacheTime: 0 })
    const [fee, basePrice, bytePrice, rate] = await Promise.all([
      orderFee(api, 0n),
      ...(['basePrice', 'bytePrice', 'CRUETHRATE'] as const).map(
        (functionName) => pub.readContract({ address: oracle, abi: priceOracleAbi, functionName, blockNumber }) as Promise<bigint>,
      ),
    ])
    const r = { basePrice: basePrice as bigint, bytePrice: bytePrice as bigint, rate: rate as bigint, blockNumber, chainByteFee: fee.byteFee }
    const close = !drifted(r.basePrice, fee.baseFee + fee.keysCountFee, 500) && !drifted(r.bytePrice, fee.byteFee, 500)
    return close && r.rate === 1_250_000_000n ? r : undefined
  }
  const record = async (key: string): Promise<Record | undefined> => {
    const res = await fetch(`${orderNode!.endpoints.api}/events/${key}`)
    return res.ok ? ((await res.json()) as Record) : undefined
  }
  const waitState = (key: string, state: string) =>
    waitFor(
      async () => {
        const r = await record(key)
        return r?.state === state ? r : undefined
      },
      `event ${key} ${state}`,
      60_000,
    )

  before(async () => {
    chain = await startNode(join(base.path, 'chain'))
    evm = await startChild(['evm-node', '--port', '0', '--block-time', '0'])
    api = await connectChain(chain.url)
    daveAddress = (await loadSigner({ suri: CRUST_ACCOUNT })).address
    const transport = http(evm.endpoints.rpcUrl)
    pub = createPublicClient({ transport })
    wallet = createWalletClient({ transport })
    customer = ((await wallet.getAddresses()) as `0x${string}`[])[2]!
    const dir = join(base.path, 'order-node')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'evm.key'), `${MERCHANT_KEY}\n`, { mode: 0o600 })
    writeFileSync(join(dir, 'account'), `${CRUST_ACCOUNT}\n`, { mode: 0o600 })
    orderNodeArgs = [
      'order-node',
      '--evm-rpc',
      evm.endpoints.rpcUrl,
      '--contract',
      evm.endpoints.contracts.storageOrder,
      '--evm-key-file',
      join(dir, 'evm.key'),
      '--chain',
      chain.url,
      '--account-file',
      join(dir, 'account'),
      '--confirmations',
      '2',
      '--poll',
      '100',
      '--from-block',
      '0',
      '--data',
      join(dir, 'data'),
      '--port',
      '0',
      '--cru-eth-rate',
      CRU_PER_ETH,
      '--price-interval',
      '200',
      // Past the chain's own 0.3 % fee steps during the test: the keeper sends nothing (mines no EVM block) unprompted.
      '--price-drift',
      '5',
    ]
  })

  after(async () => {
    await api?.disconnect()
    ipfs?.child.kill('SIGTERM')
    await ipfs?.exited
    for (const c of [orderNode, evm]) {
      c?.child.kill('SIGTERM')
      await c?.exited
    }
    chain?.child.kill('SIGTERM')
    await chain?.exited
    base.remove()
  })

  it('orders an Order event on Crust once, after its confirmations; a permanent one killed -9 before sending and restarted: still once, its 199 renewals prepaid once', async () => {
    await startOrderNode()
    // Its first price check sets the oracle (mining blocks: confirmations), so orders come after it.
    await waitFor(inLine, 'the price oracle in line with the chain and the configured rate', 60_000)
    const nonceBefore = await crustNonce()
    const first = await placeOrder(CIDS[0]!)
    assert.equal((await waitState(first, 'seen')).state, 'seen')
    await mine(1)
    const ordered = await waitState(first, 'ordered')
    assert.ok((await orderStatus(api, CIDS[0]!)) !== undefined, 'the order is on Crust')
    assert.equal(ordered.nonce, nonceBefore)

    // Held once the nonce is recorded, before sending: the window for kill -9.
    orderNode!.child.kill('SIGTERM')
    await orderNode!.exited
    await startOrderNode({ CRUST_ORDER_NODE_TEST_HOLD: 'before-send' })
    const second = await placeOrder(CIDS[1]!, true)
    await mine(1)
    const held = await waitState(second, 'ordering')
    // The prepaid amount is fixed with the nonce, before sending: 199 renewals at the fees of the block it was priced at.
    const pricedAt = await api.rpc.chain.getBlockHash(held.prepaidPricedAt!)
    const renewal = await orderFee(api, 1000n, { blockHash: pricedAt.toHex() })
    assert.equal(held.prepaid, (renewal.total * PERMANENT_RENEWALS).toString())
    orderNode!.child.kill('SIGKILL')
    await orderNode!.exited
    assert.equal(await orderStatus(api, CIDS[1]!), undefined, 'not ordered while held')
    await startOrderNode()
    const done = await waitState(second, 'ordered')
    assert.equal(done.nonce, held.nonce, 'sent with the nonce recorded before the crash')
    assert.equal(done.prepaid, held.prepaid, 'and the prepaid amount recorded before it')
    const file = await orderStatus(api, CIDS[1]!)
    assert.ok(file !== undefined)
    assert.equal(file.prepaid, BigInt(held.prepaid!), "the file's prepaid pool grew (from nothing) by exactly the recorded amount")
    assert.equal((await orderStatus(api, CIDS[0]!))?.prepaid, 0n, 'a plain order prepays nothing')
    // Exactly two transactions from the account: one per event (the permanent one's prepaid travels with its order).
    await waitFor(async () => ((await crustNonce()) === nonceBefore + 2 ? true : undefined), 'two orders')
    assert.equal(await crustNonce(), nonceBefore + 2)

    const out = spawnSync(process.execPath, [CLI_BIN, 'order-node', 'events', '--api', orderNode!.endpoints.api], { encoding: 'utf8' })
    assert.equal(out.status, 0, out.stderr)
    assert.equal(out.stdout.split('\n').filter((l) => l.includes('  ordered  ')).length, 2)
  })

  it('an Order event removed by a reorg (snapshot/revert) before its confirmations is not ordered', async () => {
    const nonceBefore = await crustNonce()
    const snapshot = await rpc('evm_snapshot')
    const key = await placeOrder(CIDS[2]!)
    await waitState(key, 'seen')
    assert.equal(await rpc('evm_revert', [snapshot]), true)
    await mine(3)
    const r = await waitState(key, 'reorged')
    assert.match(r.reason ?? '', /canonical chain/)
    assert.equal(await orderStatus(api, CIDS[2]!), undefined)
    assert.equal(await crustNonce(), nonceBefore)
  })

  it('an invalid CID is not ordered and its state says why', async () => {
    const nonceBefore = await crustNonce()
    const key = await placeOrder('not-a-cid')
    await mine(1)
    const r = await waitState(key, 'failed')
    assert.match(r.reason ?? '', /SDK_ERROR_BAD_CID: "not-a-cid" is not a valid CID/)
    assert.equal(await crustNonce(), nonceBefore)
  })
  it('crust upload --evm adds the file and pays the contract exactly its price; the order node orders it on Crust for its size', async () => {
    ipfs = await startIpfsDaemon(join(base.path, 'ipfs'))
    const dir = join(base.path, 'uploader')
    mkdirSync(dir, { recursive: true })
    const keyFile = join(dir, 'evm.key')
    writeFileSync(keyFile, `${UPLOADER_KEY}\n`, { mode: 0o600 })
    const file = join(dir, 'hello.txt')
    writeFileSync(file, 'stored through an EVM chain\n'.repeat(1000))
    const evmArgs = [
      '--api',
      ipfs.api,
      '--chain',
      chain.url,
      '--evm',
      evm.endpoints.rpcUrl,
      '--evm-key-file',
      keyFile,
      '--evm-contract',
      evm.endpoints.contracts.storageOrder,
    ]
    // Refusals: a node the contract does not know (its message, one line, exit 1), an EVM option without --evm.
    const unknown = await runCrust(['upload', file, ...evmArgs, '--evm-node', '0x000000000000000000000000000000000000dEaD', '--no-wait'])
    assert.equal(unknown.code, 1)
    assert.match(
      unknown.stderr.trim().split('\n').at(-1)!,
      /^error: the storage-order contract refused the order: Unsupported order node .*no order was placed\) \(EVM_ERROR_ORDER_REFUSED\)$/,
    )
    const stray = await runCrust(['upload', file, '--api', ipfs.api, '--chain', chain.url, '--evm-key-file', keyFile])
    assert.equal(stray.code, 1)
    assert.match(stray.stderr, /go with --evm <url>/)
    const fromBlock = await pub.getBlockNumber({ cacheTime: 0 })
    const run = await runCrust(['upload', file, ...evmArgs, '--evm-node', evm.endpoints.orderNodeAddress, '--no-wait'])
    assert.equal(run.code, 0, run.stderr)
    const cid = /^cid\s+(\S+)$/m.exec(run.stdout)![1]!
    const size = (await (await fetch(`${ipfs.api}/api/v0/files/stat?arg=/ipfs/${cid}`, { method: 'POST' })).json()) as { CumulativeSize: number }
    const price = (await pub.readContract({
      address: evm.endpoints.contracts.storageOrder,
      abi: storageOrderAbi,
      functionName: 'getPrice',
      args: [BigInt(size.CumulativeSize), false],
    })) as bigint
    assert.match(run.stdout, new RegExp(`^paid\\s+.*\\(${price} wei\\) to order node ${evm.endpoints.orderNodeAddress}`, 'mi'))
    // Balances around the order's own block (the merchant's price updates, if any, are in blocks of their own).
    const [event] = await pub.getContractEvents({ address: evm.endpoints.contracts.storageOrder, abi: storageOrderAbi, eventName: 'Order', fromBlock })
    const merchantAt = (blockNumber: bigint) => pub.getBalance({ address: evm.endpoints.orderNodeAddress, blockNumber })
    assert.equal((await merchantAt(event!.blockNumber)) - (await merchantAt(event!.blockNumber - 1n)), price, 'the merchant received exactly the price')
    await mine(2)
    const order = await waitFor(async () => (await orderStatus(api, cid)) ?? undefined, 'the Crust order of the uploaded file', 60_000)
    assert.equal(order.fileSize, BigInt(size.CumulativeSize))
  })
  it("the price oracle follows Crust's fees (base + keys-count fee, byte fee) and the configured CRU/ETH rate; getPrice with them", async () => {
    const r0 = await inLine()
    assert.ok(r0 !== undefined, 'in line since the first start (set then)')
    assert.equal(r0.rate, 1_250_000_000n, 'the configured rate, in 5 decimals, not the deployed 10,000 CRU per ETH')
    // Root triples the byte fee: the order node sets the oracle again.
    const alice = await loadSigner({ suri: '//Alice' })
    const before = r0.bytePrice
    // Within the chain's own clamp (the max byte fee), far past the tolerance.
    const byteFee = (await orderFee(api, 0n)).byteFee * 3n
    await submit(api, api.tx.sudo!.sudo!(api.tx.market!.setByteFee!(byteFee)), alice)
    const r = await waitFor(
      async () => {
        const now = await inLine()
        return now !== undefined && now.bytePrice > before * 2n ? now : undefined
      },
      'the oracle to follow the new byte fee',
      60_000,
    )
    // Its last check, on its API: the target is the chain's byte fee at the block it read.
    const status = (await (await fetch(`${orderNode!.endpoints.api}/prices`)).json()) as { target: { bytePrice: string }; crust: { atBlock: number } }
    const readAt = await api.rpc.chain.getBlockHash(status.crust.atBlock)
    assert.equal(BigInt(status.target.bytePrice), (await orderFee(api, 0n, { blockHash: readAt.toHex() })).byteFee)
    const size = 3n * 1_048_576n + 5n
    const expected = (((((r.basePrice + (size * r.bytePrice) / 1_048_576n) * 110n) / 100n) * 100_000n) / r.rate) * 1_000_000n
    const price = await pub.readContract({
      address: evm.endpoints.contracts.storageOrder,
      abi: storageOrderAbi,
      functionName: 'getPrice',
      args: [size, false],
      blockNumber: r.blockNumber,
    })
    assert.equal(price, expected, "getPrice prices with the oracle's new rates")
  })
})
