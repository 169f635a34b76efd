/**
 * Transactions under load across the network (issue #10): one validator process of the `local`
 * chain and three following nodes; several senders' consecutive nonces are submitted round-robin
 * to the four nodes at once, so each node sees a sender's nonces partly from its RPC and partly (out
 * of order) from gossip. Only the validator authors, so every transaction must reach its pool by
 * propagation: every submission must be accepted, every transaction must end up in a block (nonces
 * and the recipient's balance checked), and every node's pool must empty (blocks prune them).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { LOCAL_AUTHORITIES } from '@crust-ts/chain'
import { NodeNetwork, type NodeProcess, type RpcClient, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000
const SENDERS = ['Alice', 'Bob', 'Eve', 'Ferdie']
/** More than the pool's per-sender bound (64) per sender, so gossip alone fills a sender's slots. */
const PER_SENDER = 100

describe('transactions under load across nodes', () => {
  let net: NodeNetwork
  let nodes: NodeProcess[]
  let clients: RpcClient[]

  before(async () => {
    await cryptoWaitReady()
    net = new NodeNetwork('crust-consensus-txload-')
    nodes = net.nodes
    clients = net.clients
    for (let i = 0; i < 4; i++) {
      const key = i === 0 ? { validatorKey: `//${LOCAL_AUTHORITIES[0]!}` } : {}
      await net.add(`node-${i}`, { blockTimeMs: BLOCK_TIME, ...key })
    }
  })

  after(async () => {
    await net.close()
  })

  it("behavior: senders whose nonces are spread over all nodes get every transaction into the one author's blocks", async () => {
    const provider = new WsProvider(nodes[0]!.rpc) as unknown as ApiOptions['provider']
    const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
    try {
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const senders = SENDERS.map((n) => keyring.addFromUri(`//${n}`))
      const dest = keyring.addFromUri('//TxLoad').address
      const amount = 1_000_000_000n
      const destBefore = (await api.query.system.account(dest)).data.free.toBigInt()
      const start = new Map<string, number>()
      const signed: string[] = []
      for (const pair of senders) {
        const nonce = (await api.query.system.account(pair.address)).nonce.toNumber()
        start.set(pair.address, nonce)
        for (let i = 0; i < PER_SENDER; i++) {
          signed.push((await api.tx.balances.transferKeepAlive(dest, amount).signAsync(pair, { nonce: nonce + i, era: 0 })).toHex())
        }
      }
      // Nonce i of each sender goes to node i % 4: every node holds gaps only gossip can fill.
      const results = await Promise.allSettled(signed.map((xt, i) => clients[i % clients.length]!.call<string>('author_submitExtrinsic', [xt])))
      const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [`#${i}: ${(r.reason as Error).message}`] : []))
      assert.deepEqual(refused, [], 'every submission is accepted')
      const pending = async () => {
        let left = 0
        for (const pair of senders) {
          const nonce = (await api.query.system.account(pair.address)).nonce.toNumber()
          left += start.get(pair.address)! + PER_SENDER - nonce
        }
        return left
      }
      await waitFor(async () => ((await pending()) === 0 ? true : undefined), `all ${signed.length} transfers in blocks`, 300_000)
      assert.equal(await pending(), 0)
      const destAfter = (await api.query.system.account(dest)).data.free.toBigInt()
      assert.equal(destAfter - destBefore, amount * BigInt(signed.length))
      // Followers prune what the author's blocks included.
      for (const [i, client] of clients.entries()) {
        await waitFor(async () => ((await client.call<string[]>('author_pendingExtrinsics')).length === 0 ? true : undefined), `node ${i}'s pool to empty`)
      }
    } finally {
      await api.disconnect()
    }
  })
})
