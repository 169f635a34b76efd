/** Crash safety and Crust type definitions, each against a real node process. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { typesBundleForPolkadot } from '@crustio/type-definitions'
import { Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectApi, makeBasePath, startNode, waitFor } from './fixtures/node-process.js'

const CRU = 10n ** 12n


describe('chain node restarts', () => {
  it('behavior: after SIGKILL mid-run it restarts on its last block with balances intact and keeps producing', async () => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const alice = keyring.addFromUri('//Alice')
    const bob = keyring.addFromUri('//Bob')
    try {
      const first = await startNode(base.path)
      let api = await connectApi(first.url)
      // Several transfers in flight, then kill while blocks keep coming.
      const nonce = (await api.query.system.account(alice.address)).nonce.toNumber()
      for (let i = 0; i < 5; i++) await api.tx.balances.transferKeepAlive(bob.address, CRU).signAndSend(alice, { nonce: nonce + i })
      await waitFor(async () => ((await api.query.system.account(alice.address)).nonce.toNumber() === nonce + 5 ? true : undefined), 'the transfers')
      const before = await waitFor(async () => {
        const header = await api.rpc.chain.getHeader()
        return header.number.toNumber() >= 6 ? header : undefined
      }, 'block 6')
      await api.disconnect()
      first.child.kill('SIGKILL')
      assert.equal(await first.exited, 'SIGKILL')

      const second = await startNode(base.path)
      api = await connectApi(second.url)
      const restartedAt = (await api.rpc.chain.getHeader()).number.toNumber()
      assert.ok(restartedAt >= before.number.toNumber(), `restarted at ${restartedAt}, had reached ${before.number.toNumber()}`)
      // The block seen before the kill is still there, with the same hash.
      assert.equal((await api.rpc.chain.getBlockHash(before.number.toNumber())).toHex(), before.hash.toHex())
      const bobAccount = await api.query.system.account(bob.address)
      assert.equal(bobAccount.data.free.toBigInt(), 1_000_000n * CRU + 5n * CRU)
      assert.equal((await api.query.system.account(alice.address)).nonce.toNumber(), nonce + 5)
      await waitFor(async () => ((await api.rpc.chain.getHeader()).number.toNumber() > restartedAt + 1 ? true : undefined), 'new blocks')
      await api.disconnect()
      second.child.kill('SIGTERM')
      assert.equal(await second.exited, 0)
    } finally {
      base.remove()
    }
  })

  it('behavior: @crustio/type-definitions loads in the same ApiPromise and a transfer still finalizes', async () => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const node = await startNode(base.path)
    try {
      const api = await connectApi(node.url, { typesBundle: typesBundleForPolkadot })
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const alice = keyring.addFromUri('//Alice')
      const bob = keyring.addFromUri('//Bob')
      assert.ok(api.registry.getDefinition('MerkleRoot') !== undefined, 'Crust types are registered')
      await new Promise<void>((resolve, reject) => {
        api.tx.balances.transferKeepAlive(bob.address, CRU).signAndSend(alice, (r) => {
          if (r.status.isFinalized) resolve()
        }).catch(reject)
      })
      assert.equal((await api.query.system.account(bob.address)).data.free.toBigInt(), 1_000_000n * CRU + CRU)
      await api.disconnect()
    } finally {
      node.child.kill('SIGTERM')
      await node.exited
      base.remove()
    }
  })
})
