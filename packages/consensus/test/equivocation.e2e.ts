/**
 * Block equivocation with validator processes of the `local` chain on loopback: Bob's validator
 * runs with the test-only `equivocate` switch (two different sealed blocks for each of its slots),
 * Alice's imports both over gossip, notices the equivocation and reports it on chain; the report
 * lands in a block (Staking.EquivocationReported with Bob as offender, Alice as reporter) and the
 * equivocation is recorded in Staking.ReportedEquivocations.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { LOCAL_AUTHORITIES } from '@crust-ts/chain'
import { type NodeProcess, startNode, tempDir, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000
const DEADLINE = 120_000

describe('equivocation (validator processes)', () => {
  let root: string
  const nodes: NodeProcess[] = []
  let api: ApiPromise

  before(async () => {
    await cryptoWaitReady()
    root = tempDir('crust-equivocation-e2e-')
    nodes.push(await startNode(root, 'alice', { blockTimeMs: BLOCK_TIME, bootstrap: [], validatorKey: `//${LOCAL_AUTHORITIES[0]}` }))
    nodes.push(
      await startNode(root, 'bob', { blockTimeMs: BLOCK_TIME, bootstrap: nodes[0]!.addrs, validatorKey: `//${LOCAL_AUTHORITIES[1]}`, equivocate: true }),
    )
    const provider = new WsProvider(nodes[0]!.rpc) as unknown as ApiOptions['provider']
    api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
  })

  after(async () => {
    await api?.disconnect()
    for (const n of nodes) n.child.kill('SIGTERM')
    await Promise.all(nodes.map((n) => n.exited))
    rmSync(root, { recursive: true, force: true })
  })

  it('behavior: an equivocating validator is detected, reported on chain and recorded', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const bob = keyring.addFromUri(`//${LOCAL_AUTHORITIES[1]}`).address
    const alice = keyring.addFromUri(`//${LOCAL_AUTHORITIES[0]}`).address
    let scanned = 0
    const report = await waitFor(
      async () => {
        const best = (await api.rpc.chain.getHeader()).number.toNumber()
        for (; scanned < best; ) {
          scanned++
          const hash = await api.rpc.chain.getBlockHash(scanned)
          const events = await (await api.at(hash)).query.system.events()
          for (const { event } of events) {
            if (event.section === 'staking' && event.method === 'EquivocationReported') return { block: scanned, data: event.data.map((d) => d.toString()) }
          }
        }
        return undefined
      },
      'an EquivocationReported event on Alice\'s node',
      DEADLINE,
    )
    assert.equal(report.data[0], bob, 'the offender is Bob')
    assert.equal(report.data[1], '0', 'a block equivocation')
    assert.equal(report.data[2], alice, 'reported by Alice')
    const recorded = await api.query.staking.reportedEquivocations.entries()
    assert.ok(recorded.length >= 1)
  })
})
