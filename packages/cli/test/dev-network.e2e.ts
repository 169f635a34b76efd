/**
 * `crust dev` as a user runs it: a validator and three storage nodes as real processes; each
 * storage node's sWorker registers and reports its spare room, their IPFS nodes find each other's
 * blocks, a dApp pays for storage through the EVM contract and the file reaches the three nodes,
 * and Ctrl-C stops every process.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { alive, devArgs, startDev, writeDevSpec, type DevProcess } from '@crust-ts/testkit'
import { connectApi, makeBasePath, waitFor } from '@crust-ts/testkit'
import { storageOrderAbi } from '@crust-ts/evm'
import { createPublicClient, createWalletClient, decodeEventLog, http } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

const REPORT_SLOT = 10
const SRD_UNIT = 16 * 1024 * 1024

describe('crust dev', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise
  let spec: string

  before(async () => {
    await cryptoWaitReady()
    spec = writeDevSpec(base.path, { reportSlot: REPORT_SLOT, fileDuration: 60, eraLength: 6 * REPORT_SLOT })
    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 3, srdUnits: 2, srdUnit: SRD_UNIT, evm: true, console: true }))
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await api?.disconnect()
    if (dev !== undefined && dev.child.exitCode === null) {
      dev.kill()
      for (const n of dev.nodes) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL')
    }
    base.remove()
  })

  it('behavior: three storage nodes register, report their spare room and are staking candidates', async () => {
    assert.equal(dev.nodes.length, 3)
    assert.deepEqual(
      dev.nodes.map((n) => n.accountUri),
      ['//Bob', '//Charlie', '//Dave'],
    )
    for (const node of dev.nodes) {
      const report = await waitFor(
        async () => {
          const pubKeys = (await api.query.swork.identities(node.account)).toJSON() as { anchor?: string } | null
          if (pubKeys?.anchor === undefined) return undefined
          // Crust's WorkReport calls the reported SRD size `free`.
          const wr = (await api.query.swork.workReports(pubKeys.anchor)).toJSON() as { free: number } | null
          return wr !== null && wr.free > 0 ? wr.free : undefined
        },
        `${node.name}'s work report with its SRD`,
        120_000,
      )
      assert.equal(report, 2 * SRD_UNIT, `${node.name} reports the 2 SRD units it declared`)
      const bonded = await api.query.staking.bonded(node.account)
      assert.equal(bonded.isSome, true, `${node.name} is bonded`)
      const benefits = (await api.query.benefits.marketBenefits(node.account)).toJSON() as { totalFunds: number }
      assert.ok(benefits.totalFunds > 0, `${node.name} has market collateral`)
    }
  })

  it('behavior: a file added on node A is served by node C gateway', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251)
    const form = new FormData()
    form.append('file', new Blob([bytes]), 'data.bin')
    const added = (await (await fetch(`${dev.nodes[0]!.ipfsApi}/api/v0/add?cid-version=1`, { method: 'POST', body: form })).json()) as { Hash: string }
    const res = await fetch(`${dev.nodes[2]!.gateway}/ipfs/${added.Hash}`)
    assert.equal(res.status, 200)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes)
  })

  it('behavior: a W3Auth upload through the gateway, pinned through the pinning service, gets pinned by the storage nodes', async () => {
    const info = JSON.parse(readFileSync(join(base.path, 'dev', 'network.json'), 'utf8')) as { gateway: { gateway: string; psa: string } }
    const user = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Eve')
    const token = Buffer.from(`sub-${user.address}:${u8aToHex(user.sign(user.address))}`).toString('base64')
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(150_000).map((_, i) => (i * 7) % 256)]), 'pinned.bin')
    assert.equal((await fetch(`${info.gateway.gateway}/api/v0/add`, { method: 'POST', body: form })).status, 401, 'no token, no upload')
    const added = await fetch(`${info.gateway.gateway}/api/v0/add`, { method: 'POST', body: form, headers: { authorization: `Basic ${token}` } })
    assert.equal(added.status, 200)
    const { Hash: cid } = (await added.json()) as { Hash: string }
    const pin = await fetch(`${info.gateway.psa}/pins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cid, name: 'dev-test' }),
    })
    assert.equal(pin.status, 202)
    const { requestid } = (await pin.json()) as { requestid: string }
    const pinned = await waitFor(
      async () => {
        const res = (await (await fetch(`${info.gateway.psa}/pins/${requestid}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          status: string
          info: Record<string, string>
        }
        return res.status === 'pinned' ? res : undefined
      },
      'the pin to be pinned',
      180_000,
    )
    assert.ok(Number(pinned.info.replicas) >= 3)
    const file = (await api.query.market.filesV2(cid)).toJSON() as { reportedReplicaCount: number }
    assert.ok(file.reportedReplicaCount >= 3, 'three storage nodes report it on chain')
  })

  it('behavior: the EVM dev node serves the storage-order contract named in network.json, its order node allowed', async () => {
    const evm = dev.evm
    assert.ok(evm?.contracts !== undefined, 'network.json names the EVM dev node and its contracts')
    const client = createPublicClient({ transport: http(evm.rpcUrl) })
    assert.equal(await client.getChainId(), evm.chainId)
    const nodes = await client.readContract({ address: evm.contracts.storageOrder, abi: storageOrderAbi, functionName: 'getOrderNodes' })
    assert.deepEqual(nodes, [evm.orderNodeAddress])
    const price = await client.readContract({ address: evm.contracts.storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [1_048_576n, false] })
    assert.ok(price > 0n, 'the price oracle behind it has prices')
    assert.equal(
      await client.readContract({ address: evm.contracts.storageOrder, abi: storageOrderAbi, functionName: 'priceOracle' }),
      evm.contracts.priceOracle,
    )
    // Its order node runs as that merchant and answers on its API.
    assert.equal(evm.orderNode?.merchant, evm.orderNodeAddress)
    const events = (await (await fetch(`${evm.orderNode.api}/events`)).json()) as { events: unknown[] }
    assert.ok(Array.isArray(events.events))
  })

  it('behavior: a dApp (viem) reads getPrice and overpays placeOrder: the rest comes back, the merchant gets exactly the price, the file reaches 3 reported replicas', async () => {
    const evm = dev.evm!
    const storageOrder = evm.contracts!.storageOrder
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 13) % 253)
    const form = new FormData()
    form.append('file', new Blob([bytes]), 'evm.bin')
    const nodeA = dev.nodes[0]!.ipfsApi
    const { Hash: cid } = (await (await fetch(`${nodeA}/api/v0/add`, { method: 'POST', body: form })).json()) as { Hash: string }
    const { CumulativeSize } = (await (await fetch(`${nodeA}/api/v0/files/stat?arg=/ipfs/${cid}`, { method: 'POST' })).json()) as { CumulativeSize: number }
    const size = BigInt(CumulativeSize)

    const transport = http(evm.rpcUrl)
    const client = createPublicClient({ transport })
    const customer = mnemonicToAccount(evm.devMnemonic, { addressIndex: 2 })
    const wallet = createWalletClient({ account: customer, transport })
    const quoted = await client.readContract({ address: storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [size, false] })
    const sent = quoted * 2n + 123_456_789n
    const hash = await wallet.writeContract({
      address: storageOrder,
      abi: storageOrderAbi,
      functionName: 'placeOrder',
      args: [cid, size, false],
      value: sent,
      chain: null,
    })
    const receipt = await client.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    const order = receipt.logs
      .filter((l) => l.address.toLowerCase() === storageOrder.toLowerCase())
      .map((l) => decodeEventLog({ abi: storageOrderAbi, data: l.data, topics: l.topics }))
      .find((e) => e.eventName === 'Order')!.args as { merchant: string; cid: string; size: bigint; price: bigint }
    assert.deepEqual([order.merchant, order.cid, order.size], [evm.orderNodeAddress, cid, size])
    // The price at the state the order ran on (the order node may re-price the oracle between our reads).
    const before = receipt.blockNumber - 1n
    const price = await client.readContract({ address: storageOrder, abi: storageOrderAbi, functionName: 'getPrice', args: [size, false], blockNumber: before })
    assert.equal(order.price, price, "the Order event's price is getPrice")
    const balance = (address: `0x${string}`, blockNumber: bigint) => client.getBalance({ address, blockNumber })
    const gas = receipt.gasUsed * receipt.effectiveGasPrice
    assert.equal(
      (await balance(customer.address, before)) - (await balance(customer.address, receipt.blockNumber)),
      price + gas,
      'paid the price and gas: the rest came back',
    )
    assert.equal(
      (await balance(evm.orderNodeAddress, receipt.blockNumber)) - (await balance(evm.orderNodeAddress, before)),
      price,
      'the merchant received exactly the price',
    )

    const replicas = await waitFor(
      async () => {
        const file = (await api.query.market.filesV2(cid)).toJSON() as { reportedReplicaCount: number } | null
        return file !== null && file.reportedReplicaCount >= 3 ? file.reportedReplicaCount : undefined
      },
      'three reported replicas of the EVM-paid file on Crust',
      180_000,
    )
    assert.ok(replicas >= 3)
  })

  it('behavior: Ctrl-C stops every process; a restart resumes the same network', async () => {
    const anchors = await Promise.all(dev.nodes.map(async (n) => ((await api.query.swork.identities(n.account)).toJSON() as { anchor: string }).anchor))
    const height = (await api.rpc.chain.getHeader()).number.toNumber()
    const genesis = api.genesisHash.toHex()
    await api.disconnect()
    const pids = dev.nodes.map((n) => n.pid)
    const evmPid = dev.evm?.pid
    const orderNodePid = dev.evm?.orderNode?.pid
    dev.child.kill('SIGINT')
    assert.equal(await dev.exited, 0)
    for (const pid of pids) assert.equal(alive(pid), false, `storage node ${pid} is gone`)
    assert.ok(evmPid !== undefined && !alive(evmPid), 'the EVM dev node is gone')
    assert.ok(orderNodePid !== undefined && !alive(orderNodePid), 'the EVM order node is gone')

    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 3, srdUnits: 2, srdUnit: SRD_UNIT }))
    assert.equal(dev.evm, undefined, '--no-evm: no EVM dev node in network.json')
    api = await connectApi(dev.chainRpc)
    assert.equal(api.genesisHash.toHex(), genesis)
    assert.ok((await api.rpc.chain.getHeader()).number.toNumber() >= height, 'the chain goes on from where it stopped')
    assert.equal(
      dev.logs.some((l) => l.includes('storage account set up')),
      false,
      'nothing to set up again',
    )
    for (const [i, n] of dev.nodes.entries()) {
      assert.equal(((await api.query.swork.identities(n.account)).toJSON() as { anchor: string }).anchor, anchors[i], `${n.name} keeps its enclave identity`)
    }
    await api.disconnect()
    dev.child.kill('SIGINT')
    assert.equal(await dev.exited, 0)
  })
})
