/**
 * market.update_replicas by the spower superior (Crust HEAD: cstrml/market/src/lib.rs:554-605,
 * internal_update_replicas 1015-1124, delete_replica 1202-1231; weight cstrml/market/src/weight.rs:50-54):
 * replicas added and deleted per file, sWorker spowers moved by the net change, fee-free.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { FileKeysCount, FilesV2, LastReplicasUpdateBlock } from '../src/pallets/market/storage.js'
import { LastProcessedBlockWorkReports } from '../src/pallets/swork/storage.js'
import { WorkReports } from '../src/pallets/swork/index.js'
import { Account } from '../src/pallets/system.js'
import type { DecodedEvent, RuntimeHarness } from './fixtures/runtime-harness.js'
import { ROOT, signed } from './fixtures/runtime-harness.js'
import { account, assertError, errorName, newReporter, openBlock, sworkHarness } from './fixtures/swork-env.js'
import type { SworkerSim } from './fixtures/sworker-sim.js'

const text = (s: string) => new TextEncoder().encode(s)
const CID = text('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
const UNKNOWN = text('QmdwgqZy1MZBfWPi7GcxVsYgJEtmvHg6rsLzbCej3tf3oA')
const SIZE = 1_000_000n
const [NODE1, NODE2] = [account(21), account(22)]

type ReplicaUpdate = [reporter: Uint8Array, owner: Uint8Array, anchor: Uint8Array, reportSlot: bigint, reportBlock: number, validAt: number, isAdded: boolean]

interface Env {
  h: RuntimeHarness
  superior: KeyringPair
  bob: KeyringPair
  n1: SworkerSim
  n2: SworkerSim
}

/** A file ordered at block 2, two sWorkers with empty first reports, Alice the spower superior. */
async function setup(options: { setSuperior?: boolean } = {}): Promise<Env> {
  await cryptoWaitReady()
  const h = await sworkHarness()
  const keyring = new Keyring({ type: 'sr25519' })
  const [superior, bob] = [keyring.addFromUri('//Alice'), keyring.addFromUri('//Bob')]
  openBlock(h, 2)
  assert.equal(
    h.call(signed(superior.publicKey), 'Market', 'place_storage_order', { cid: CID, reported_file_size: SIZE, tips: 0n, memo: new Uint8Array() }),
    undefined,
  )
  const n1 = newReporter(h, NODE1)
  const n2 = newReporter(h, NODE2)
  if (options.setSuperior !== false) assert.equal(h.call(ROOT, 'Market', 'set_spower_superior', { superior: superior.publicKey }), undefined)
  h.endBlock()
  return { h, superior, bob, n1, n2 }
}

const added = (who: Uint8Array, sworker: SworkerSim, reportBlock: number): ReplicaUpdate => [who, who, sworker.pubkey, 0n, reportBlock, 1, true]
const deleted = (who: Uint8Array, owner: Uint8Array, anchor: Uint8Array, reportBlock: number): ReplicaUpdate => [who, owner, anchor, 0n, reportBlock, 1, false]
const spowerOf = (h: RuntimeHarness, sworker: SworkerSim) => WorkReports.get(h.state, sworker.pubkey)!.spower
const owners = (h: RuntimeHarness) => FilesV2.get(h.state, CID)!.replicas.map(([owner]) => u8aToHex(owner))

/** Sends update_replicas as a signed extrinsic of `who`; returns whether it succeeded and the block's events. */
function updateReplicas(env: Env, who: KeyringPair, files: Array<[Uint8Array, bigint, ReplicaUpdate[]]>, lastProcessed = 0) {
  const { outcome } = env.h.submit(who, 'Market', 'update_replicas', { file_infos_map: files, last_processed_block_wrs: lastProcessed })
  assert.equal(outcome.included, true)
  return { outcome, events: env.h.endBlock() }
}

function updated(events: DecodedEvent[]): number[] {
  const e = events.find((x) => x.section === 'market' && x.method === 'UpdateReplicasSuccess')!
  return e.data.slice(1).map(Number)
}

describe('market.update_replicas', () => {
  it('behavior: the superior adds replicas per owner (unknown files ignored), credits each sWorker the file size, makes the file live, records the blocks; fee-free', async () => {
    const env = await setup()
    const { h, superior, n1, n2 } = env
    const free = Account.get(h.state, superior.publicKey).data.free
    h.startBlock()
    const bn = h.number
    const files: Array<[Uint8Array, bigint, ReplicaUpdate[]]> = [
      [CID, SIZE, [added(NODE2, n2, 40), added(NODE1, n1, 30)]],
      [UNKNOWN, 5n, [added(NODE1, n1, 30)]],
    ]
    const { outcome, events } = updateReplicas(env, superior, files, 17)
    assert.deepEqual(outcome, { included: true, success: true })
    assert.deepEqual(updated(events), [bn, 1, 17], 'UpdateReplicasSuccess(who, block, changed files, last processed block)')
    const caller = events.find((e) => e.method === 'UpdateReplicasSuccess')!.data[0] as { toU8a(): Uint8Array }
    assert.equal(u8aToHex(caller.toU8a()), u8aToHex(superior.publicKey))
    const file = FilesV2.get(h.state, CID)!
    assert.equal(file.reported_replica_count, 2)
    assert.deepEqual(owners(h), [u8aToHex(NODE1), u8aToHex(NODE2)])
    assert.equal(file.replicas[0]![1].valid_at, 1)
    assert.equal(file.expired_at, bn + h.runtime.config.fileDuration, 'the first replica makes the file live')
    assert.equal(spowerOf(h, n1), SIZE)
    assert.equal(spowerOf(h, n2), SIZE)
    assert.equal(LastReplicasUpdateBlock.get(h.state), bn)
    assert.equal(LastProcessedBlockWorkReports.get(h.state), 17)
    assert.equal(Account.get(h.state, superior.publicKey).data.free, free, 'Pays::No: the fee is refunded')
    const paid = events.find((e) => e.method === 'TransactionFeePaid')!
    assert.equal((paid.data[1] as { toBigInt(): bigint }).toBigInt(), 0n)

    // The same replicas again (report_works already added them here): nothing is added twice.
    const again = updateReplicas(env, superior, files.slice(0, 1), 18)
    assert.deepEqual(updated(again.events).slice(1), [1, 18])
    assert.equal(FilesV2.get(h.state, CID)!.reported_replica_count, 2)
    assert.equal(spowerOf(h, n1), SIZE)
  })

  it('behavior: a deletion removes the replica only under its owner and reporter; the spower comes off only when the anchor is the one it was kept under; additions run before deletions', async () => {
    const env = await setup()
    const { h, superior, n1, n2 } = env
    updateReplicas(env, superior, [[CID, SIZE, [added(NODE1, n1, 30)]]])
    // NODE2 is not the reporter of NODE1's replica: nothing happens. NODE2's own replica is added
    // (block 50) before NODE1's deletion (block 5) runs, whatever their report blocks.
    updateReplicas(env, superior, [[CID, SIZE, [deleted(NODE2, NODE1, n2.pubkey, 1), deleted(NODE1, NODE1, n1.pubkey, 5), added(NODE2, n2, 50)]]])
    assert.deepEqual(owners(h), [u8aToHex(NODE2)])
    assert.equal(FilesV2.get(h.state, CID)!.reported_replica_count, 1)
    assert.equal(spowerOf(h, n1), 0n)
    assert.equal(spowerOf(h, n2), SIZE)
    // Named under another anchor (its sWorker re-registered): the replica goes, no spower is taken.
    updateReplicas(env, superior, [[CID, SIZE, [deleted(NODE2, NODE2, n1.pubkey, 60)]]])
    assert.deepEqual(owners(h), [])
    assert.equal(FilesV2.get(h.state, CID)!.reported_replica_count, 0)
    assert.equal(spowerOf(h, n2), SIZE)
    assert.equal(spowerOf(h, n1), 0n)
  })

  it('behavior: a first replica larger than the order closes the file (IllegalFileClosed); its other replicas are skipped; the file still counts as changed', async () => {
    const env = await setup()
    const { h, superior, n1, n2 } = env
    const keys = FileKeysCount.get(h.state)
    const { events } = updateReplicas(env, superior, [[CID, SIZE + 1n, [added(NODE1, n1, 30), added(NODE2, n2, 31)]]])
    assert.ok(events.some((e) => e.section === 'market' && e.method === 'IllegalFileClosed'))
    assert.deepEqual(updated(events).slice(1), [1, 0])
    assert.equal(FilesV2.contains(h.state, CID), false)
    assert.equal(FileKeysCount.get(h.state), keys - 1)
    assert.equal(spowerOf(h, n1), 0n)
    assert.equal(spowerOf(h, n2), 0n)
  })

  it('error: SpowerSuperiorNotSet before set_spower_superior, IllegalSpowerSuperior from another account (which pays its fee); nothing changes', async () => {
    const env = await setup({ setSuperior: false })
    const { h, superior, bob, n1 } = env
    const args = { file_infos_map: [[CID, SIZE, [added(NODE1, n1, 30)]]], last_processed_block_wrs: 3 }
    assertError(h, h.call(signed(superior.publicKey), 'Market', 'update_replicas', args), 'SpowerSuperiorNotSet')
    assert.equal(h.call(ROOT, 'Market', 'set_spower_superior', { superior: superior.publicKey }), undefined)
    h.endBlock()
    const free = Account.get(h.state, bob.publicKey).data.free
    const { outcome } = updateReplicas(env, bob, args.file_infos_map as Array<[Uint8Array, bigint, ReplicaUpdate[]]>, 3)
    assert.equal(outcome.included && !outcome.success ? errorName(h, outcome.error) : 'succeeded', 'IllegalSpowerSuperior')
    assert.ok(Account.get(h.state, bob.publicKey).data.free < free, 'a failed call pays its fee (Crust returns Err before Pays::No)')
    assert.equal(FilesV2.get(h.state, CID)!.reported_replica_count, 0)
    assert.equal(LastProcessedBlockWorkReports.get(h.state), 0)
    assert.equal(LastReplicasUpdateBlock.get(h.state), 0)
  })
})
