/**
 * Four validator processes of the `local` chain on loopback (each a ChainNode + consensus on its
 * own libp2p host, bootstrapped to the ones started before it): Aura turns, one chain, a fresh
 * node syncing, a transaction through that (non-authoring) node, and a killed validator's slots skipped.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { findSlot, type HeaderJson, headerFromJson, LOCAL_AUTHORITIES, signerFromUri, unsealHeader, verifySeal } from '@crust-ts/chain'
import { NodeNetwork, type NodeProcess, type RpcClient, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000

describe('validators on loopback', () => {
  let net: NodeNetwork
  let nodes: NodeProcess[]
  let clients: RpcClient[]
  let authorities: Uint8Array[]

  before(async () => {
    await cryptoWaitReady()
    authorities = LOCAL_AUTHORITIES.map((name) => signerFromUri(`//${name}`).publicKey)
    net = new NodeNetwork('crust-consensus-e2e-')
    nodes = net.nodes
    clients = net.clients
    for (const [i, name] of LOCAL_AUTHORITIES.entries()) await net.add(`validator-${i}`, { blockTimeMs: BLOCK_TIME, validatorKey: `//${name}` })
  })

  after(async () => {
    await net.close()
  })

  const header = (client: RpcClient, hash?: string) => client.call<HeaderJson | null>('chain_getHeader', hash === undefined ? [] : [hash])
  const hashAt = (client: RpcClient, n: number) => client.call<string | null>('chain_getBlockHash', [n])

  /** Waits until every client has the same block at height `n`, and returns its hash. */
  async function agreedAt(live: RpcClient[], n: number): Promise<string> {
    return waitFor(async () => {
      const hashes = await Promise.all(live.map((c) => hashAt(c, n)))
      return hashes[0] !== null && hashes.every((h) => h === hashes[0]) ? hashes[0]! : undefined
    }, `all nodes to agree on block ${n}`)
  }

  /** The authority that sealed a header (checked against the slot's author). */
  function sealer(json: HeaderJson): number {
    const h = headerFromJson(json)
    const unsealed = unsealHeader(h)
    assert.ok(unsealed, 'sealed')
    const index = authorities.findIndex((a) => verifySeal(unsealed.preHeader, unsealed.signature, a))
    assert.equal(index, findSlot(h)! % authorities.length, 'sealed by the slot author')
    return index
  }

  it('behavior: validators author in turn and all converge on one chain', async () => {
    await waitFor(async () => ((await Promise.all(clients.map((c) => c.bestNumber()))).every((n) => n >= 10) ? true : undefined), 'ten blocks on every node')
    const sealers = new Set<number>()
    for (let n = 1; n <= 8; n++) {
      const hash = await agreedAt(clients, n)
      sealers.add(sealer((await header(clients[0]!, hash))!))
    }
    assert.ok(sealers.size >= 3, `blocks sealed by ${sealers.size} authorities`)
  })

  it('behavior: a fresh node syncs from genesis to the head and then follows', async () => {
    const head = await clients[0]!.bestNumber()
    const { client } = await net.add('fresh', { blockTimeMs: BLOCK_TIME })
    await waitFor(async () => ((await client.bestNumber()) >= head ? true : undefined), `the fresh node to reach block ${head}`)
    const target = head + 3
    await waitFor(async () => ((await client.bestNumber()) >= target ? true : undefined), `the fresh node to follow to block ${target}`)
    assert.equal(await agreedAt([clients[0]!, client], target - 1), await hashAt(clients[0]!, target - 1))
    // Finality too: justifications fetched by sync (or the gossiped votes) finalize the same blocks.
    const finalizedNumber = async (c: RpcClient) => Number.parseInt((await header(c, await c.call<string>('chain_getFinalizedHead')))!.number, 16)
    const validatorFinalized = await finalizedNumber(clients[0]!)
    assert.ok(validatorFinalized > 0, 'the validators finalize')
    await waitFor(
      async () => ((await finalizedNumber(client)) >= validatorFinalized ? true : undefined),
      `the fresh node to finalize block ${validatorFinalized}`,
    )
    assert.equal(await hashAt(client, validatorFinalized), await hashAt(clients[0]!, validatorFinalized))
  })

  it('behavior: a transaction sent to a non-authoring node is gossiped and included', async () => {
    const provider = new WsProvider(nodes[4]!.rpc) as unknown as ApiOptions['provider']
    const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
    try {
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const ferdie = keyring.addFromUri('//Ferdie')
      const eve = keyring.addFromUri('//Eve')
      const before = (await api.query.system.account(eve.address)).data.free.toBigInt()
      const blockHash = await new Promise<string>((resolve, reject) => {
        api.tx.balances
          .transferKeepAlive(eve.address, 5_000_000_000n)
          .signAndSend(ferdie, (result) => {
            // With finality tens of ms behind, @polkadot/api may report only Finalized (it drops an InBlock
            // whose events are still loading when Finalized arrives).
            if (result.status.isInBlock) resolve(result.status.asInBlock.toHex())
            else if (result.status.isFinalized) resolve(result.status.asFinalized.toHex())
            if (result.isError) reject(new Error(`transfer failed: ${result.status.type}`))
          })
          .catch(reject)
      })
      const block = await waitFor(async () => (await header(clients[0]!, blockHash)) ?? undefined, 'the block on validator 0')
      const number = Number.parseInt(block.number, 16)
      assert.equal(await agreedAt(clients, number), blockHash)
      const after = (await api.query.system.account(eve.address)).data.free.toBigInt()
      assert.equal(after - before, 5_000_000_000n)
    } finally {
      await api.disconnect()
    }
  })

  it('behavior: with one validator killed (SIGKILL), blocks go on and its slots are skipped', async () => {
    const victim = nodes[3]!
    victim.child.kill('SIGKILL')
    await victim.exited
    const live = [clients[0]!, clients[1]!, clients[2]!]
    const start = await clients[0]!.bestNumber()
    await waitFor(async () => ((await Promise.all(live.map((c) => c.bestNumber()))).every((n) => n >= start + 6) ? true : undefined), 'six more blocks')
    for (let n = start + 2; n <= start + 5; n++) {
      const hash = await agreedAt(live, n)
      assert.notEqual(sealer((await header(clients[0]!, hash))!), 3, "no block in the killed validator's slots")
    }
  })
})
