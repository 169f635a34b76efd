/** Crash safety and Crust type definitions, each against a real node process. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { typesBundleForPolkadot } from '@crustio/type-definitions'
import { Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectApi, makeBasePath, startNode, waitFor } from '@crust-ts/testkit'

const CRU = 10n ** 12n

describe('chain node restarts', () => {
  it('behavior: after SIGKILL mid-run it restarts on its last block with balances intact and keeps producing', async () => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const alice = keyring.addFromUri('//Alice')
    const bob = keyring.addFromUri('//Bob')
    const cleanup: Array<() => Promise<unknown>> = []
    try {
      const first = await startNode(base.path)
      cleanup.push(async () => first.child.kill('SIGKILL'))
      let api = await connectApi(first.url)
      cleanup.push(() => api.disconnect())
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
      cleanup.push(async () => second.child.kill('SIGKILL'))
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
      for (const c of cleanup.reverse()) await c()
      base.remove()
    }
  })

  it('behavior: @crustio/type-definitions loads in the same ApiPromise and a transfer still finalizes', async () => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const node = await startNode(base.path)
    const cleanup: Array<() => Promise<unknown>> = []
    try {
      const api = await connectApi(node.url, { typesBundle: typesBundleForPolkadot })
      cleanup.push(() => api.disconnect())
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const alice = keyring.addFromUri('//Alice')
      const bob = keyring.addFromUri('//Bob')
      assert.ok(api.registry.getDefinition('MerkleRoot') !== undefined, 'Crust types are registered')
      await new Promise<void>((resolve, reject) => {
        api.tx.balances
          .transferKeepAlive(bob.address, CRU)
          .signAndSend(alice, (r) => {
            if (r.status.isFinalized) resolve()
          })
          .catch(reject)
      })
      assert.equal((await api.query.system.account(bob.address)).data.free.toBigInt(), 1_000_000n * CRU + CRU)

      // A storage order, read back both through the metadata and through Crust's own type names.
      const cid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
      await new Promise<void>((resolve, reject) => {
        api.tx.market
          .placeStorageOrder(cid, 1234, 0, 'memo')
          .signAndSend(alice, (r) => {
            if (r.dispatchError !== undefined) reject(new Error(r.dispatchError.toString()))
            if (r.status.isInBlock) resolve()
          })
          .catch(reject)
      })
      const file = (await api.query.market.filesV2(cid)) as unknown as { isSome: boolean; unwrap(): { toU8a(): Uint8Array; toJSON(): Record<string, unknown> } }
      assert.ok(file.isSome)
      const viaMetadata = file.unwrap().toJSON()
      assert.equal(viaMetadata.fileSize, 1234)
      assert.equal(viaMetadata.expiredAt, 0)
      assert.equal(viaMetadata.remainingPaidCount, 4)
      // Crust's definitions name the fields in snake_case; values and bytes must agree.
      const viaCrustTypes = api.createType('FileInfoV2', file.unwrap().toU8a())
      const crustJson = viaCrustTypes.toJSON() as Record<string, unknown>
      assert.equal(crustJson.file_size, 1234)
      assert.equal(crustJson.remaining_paid_count, 4)
      assert.equal(crustJson.amount, viaMetadata.amount)
      assert.deepEqual(viaCrustTypes.toU8a(), file.unwrap().toU8a())
      await api.disconnect()
    } finally {
      for (const c of cleanup) await c()
      node.child.kill('SIGTERM')
      await node.exited
      base.remove()
    }
  })
})
