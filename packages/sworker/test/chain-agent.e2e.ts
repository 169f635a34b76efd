/**
 * The sWorker against a real chain node process: it registers its enclave identity with the dev
 * attestation authority, seals an ordered file, and its work report adds the replica on chain.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { blockstoreBlockSource, devAttestationAuthority, Sworker, SworkerChainAgent } from '../src/index.js'
import { fileBytes, importFile, tempDir } from './fixtures/dag.js'
import { startNode, writeDevSpec } from '@crust-ts/testkit'

/** A `crust node` child on a dev spec with short report slots and file duration. */
async function startChain(dir: string) {
  return startNode(join(dir, 'chain'), ['--chain', writeDevSpec(dir, { reportSlot: 10, fileDuration: 400, eraLength: 60 })])
}

describe('sWorker on chain', () => {
  it('behavior: registers once, seals an ordered file, and its report adds the replica', async () => {
    await cryptoWaitReady()
    const tmp = tempDir()
    const chain = await startChain(tmp.dir)
    const api = await ApiPromise.create({
      provider: new WsProvider(chain.url) as unknown as ApiOptions['provider'],
      noInitWarn: true,
      throwOnConnect: true,
    } as ApiOptions)
    const sworker = await Sworker.open({ dataDir: join(tmp.dir, 'sworker'), authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
    try {
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const alice = keyring.addFromUri('//Alice')
      const bob = keyring.addFromUri('//Bob')
      const { blockstore, cid } = await importFile(fileBytes(3 * 1024 * 1024))
      const record = await sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
      assert.equal(record.status, 'valid')
      await new Promise<void>((resolve, reject) => {
        api.tx.market
          .placeStorageOrder(cid.toString(), record.size, 0, '')
          .signAndSend(alice, (r) => {
            if (r.status.isInBlock) r.dispatchError === undefined ? resolve() : reject(new Error(r.dispatchError.toString()))
          })
          .catch(reject)
      })
      const agent = new SworkerChainAgent(sworker, { api, account: bob })
      assert.equal(await agent.ensureRegistered(), 'registered')
      assert.equal(await agent.ensureRegistered(), 'already', 'the identity is reused, not registered twice')
      let outcome = await agent.reportOnce()
      // A report that reached the chain just after a slot boundary is refused: the next slot takes it.
      if (!outcome.submitted) outcome = await agent.reportOnce()
      assert.ok(outcome.submitted, outcome.submitted ? '' : outcome.reason)
      assert.equal(outcome.added, 1)
      const file = (await api.query.market.filesV2(cid.toString())).toJSON() as { reportedReplicaCount: number; replicas: Record<string, unknown> }
      assert.equal(file.reportedReplicaCount, 1)
      assert.deepEqual(Object.keys(file.replicas), [bob.address])
      const again = await agent.reportOnce()
      assert.equal(again.submitted, false, 'one report per slot')
    } finally {
      await sworker.close()
      await api.disconnect()
      chain.child.kill('SIGTERM')
      await chain.exited
      tmp.remove()
    }
  })
})
