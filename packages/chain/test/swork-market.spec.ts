/** sWork with market and benefits: replicas from work reports, sWorker spower, added-files count, free reports. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { CRU } from '../src/constants.js'
import { SworkBenefits } from '../src/pallets/benefits/index.js'
import { FilesV2 } from '../src/pallets/market/storage.js'
import { AddedFilesCount, checkAnchor, isWrReported, takeAddedFilesCount, updateSpower, WorkReports } from '../src/pallets/swork/index.js'
import type { DispatchContext } from '../src/frame/pallet.js'
import type { RuntimeHarness } from './fixtures/runtime-harness.js'
import { signed } from './fixtures/runtime-harness.js'
import { account, currentSlot, newReporter, openBlock, reportNow, sworkHarness } from './fixtures/swork-env.js'
import type { sworkWire } from '@crust-ts/protocol'

type ReportedFile = sworkWire.ReportedFile

const text = (s: string) => new TextEncoder().encode(s)
const CID = text('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
const UNKNOWN = text('QmdwgqZy1MZBfWPi7GcxVsYgJEtmvHg6rsLzbCej3tf3oA')
const SIZE = 1_000_000n
const NODE1 = account(21)
const NODE2 = account(22)

async function setup() {
  await cryptoWaitReady()
  const h = await sworkHarness()
  const keyring = new Keyring({ type: 'sr25519' })
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u).publicKey) as [Uint8Array, Uint8Array]
  openBlock(h, 2)
  assert.equal(h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: SIZE, tips: 0n, memo: new Uint8Array() }), undefined)
  return { h, alice, bob }
}

const spowerOf = (h: RuntimeHarness, anchor: Uint8Array) => WorkReports.get(h.state, anchor)!.spower

describe('swork + market', () => {
  it('behavior: an added file becomes a replica; its size is credited to the sWorker and counted once in AddedFilesCount', async () => {
    const { h } = await setup()
    const added: ReportedFile[] = [
      [CID, SIZE, 1n],
      [UNKNOWN, 5n, 1n],
    ]
    const node = newReporter(h, NODE1, { added_files: added, reported_files_size: SIZE + 5n })
    const file = FilesV2.get(h.state, CID)!
    assert.equal(file.reported_replica_count, 1)
    assert.deepEqual(file.replicas[0]![0], NODE1)
    assert.deepEqual(file.replicas[0]![1].anchor, node.pubkey)
    assert.equal(spowerOf(h, node.pubkey), SIZE)
    assert.equal(AddedFilesCount.get(h.state), 1)
    // Deleting it in the next slot takes the spower back.
    openBlock(h, 62)
    assert.equal(reportNow(h, NODE1, node, { deleted_files: [[CID, SIZE, 1n]], reported_files_size: 5n }), undefined)
    assert.equal(spowerOf(h, node.pubkey), 0n)
    assert.equal(FilesV2.get(h.state, CID)!.reported_replica_count, 0)
  })

  it('behavior: members of one group count as one owner; only the first member is credited', async () => {
    const { h, bob } = await setup()
    const n1 = newReporter(h, NODE1)
    const n2 = newReporter(h, NODE2)
    assert.equal(h.call(signed(bob), 'Swork', 'create_group'), undefined)
    for (const m of [NODE1, NODE2]) {
      assert.equal(h.call(signed(bob), 'Swork', 'add_member_into_allowlist', { target: { tag: 'Id', value: m } }), undefined)
      assert.equal(h.call(signed(m), 'Swork', 'join_group', { target: { tag: 'Id', value: bob } }), undefined)
    }
    openBlock(h, 62)
    assert.equal(reportNow(h, NODE1, n1, { added_files: [[CID, SIZE, 61n]], reported_files_size: SIZE }), undefined)
    assert.equal(reportNow(h, NODE2, n2, { added_files: [[CID, SIZE, 61n]], reported_files_size: SIZE }), undefined)
    const file = FilesV2.get(h.state, CID)!
    assert.equal(file.reported_replica_count, 1)
    assert.deepEqual(
      file.replicas.map(([owner]) => owner),
      [bob],
    )
    assert.equal(spowerOf(h, n1.pubkey), SIZE)
    assert.equal(spowerOf(h, n2.pubkey), 0n)
    assert.equal(AddedFilesCount.get(h.state), 2) // Crust counts every added entry of an existing file
  })

  it('behavior: a report is free while the owner has free reports in Benefits (3 CRU each), and uses one', async () => {
    const { h, bob } = await setup()
    const node = newReporter(h, NODE1)
    assert.equal(h.call(signed(bob), 'Swork', 'create_group'), undefined)
    assert.equal(h.call(signed(bob), 'Swork', 'add_member_into_allowlist', { target: { tag: 'Id', value: NODE1 } }), undefined)
    assert.equal(h.call(signed(NODE1), 'Swork', 'join_group', { target: { tag: 'Id', value: bob } }), undefined)
    assert.equal(h.call(signed(bob), 'Benefits', 'add_benefit_funds', { value: 3n * CRU, funds_type: { tag: 'SWORK', value: undefined } }), undefined)
    // Dispatch directly to see the post-dispatch info the executor turns into the fee.
    const dispatch = (slotBlock: number) => {
      openBlock(h, slotBlock)
      const ctx: DispatchContext = {
        state: h.state,
        config: h.runtime.config,
        blockNumber: h.number,
        author: new Uint8Array(32),
        deposit: () => {},
        dispatch: () => undefined,
        dispatchWithPostInfo: () => ({}),
      }
      const args = node.report(currentSlot(h))
      return h.runtime.pallet('Swork').calls.report_works!.dispatch(ctx, { kind: 'signed', who: NODE1 }, { ...args })
    }
    assert.deepEqual(dispatch(62), { paysFee: false })
    assert.equal(SworkBenefits.get(h.state, bob).used_fee_reduction_count, 1)
    assert.equal(dispatch(122), undefined) // one free report per 3 CRU per era
  })

  it('behavior: the interface market uses: anchors, last-slot reports, spower updates, the added-files counter', async () => {
    const { h } = await setup()
    const node = newReporter(h, NODE1, { added_files: [[CID, SIZE, 1n]], reported_files_size: SIZE })
    const config = h.runtime.config
    assert.ok(checkAnchor(h.state, NODE1, node.pubkey))
    assert.equal(checkAnchor(h.state, NODE2, node.pubkey), false)
    assert.equal(checkAnchor(h.state, NODE1, new Uint8Array(64)), false)
    // Reported in slot 0: seen from slot 60, not from slot 120.
    assert.ok(isWrReported(h.state, config, node.pubkey, 61))
    assert.equal(isWrReported(h.state, config, node.pubkey, 121), false)
    updateSpower(h.state, node.pubkey, 0n, 10n)
    assert.equal(spowerOf(h, node.pubkey), SIZE + 10n)
    updateSpower(h.state, node.pubkey, SIZE + 100n, 0n)
    assert.equal(spowerOf(h, node.pubkey), 0n)
    updateSpower(h.state, new Uint8Array(64), 0n, 5n) // no work report: nothing happens
    assert.equal(WorkReports.get(h.state, new Uint8Array(64)), undefined)
    assert.equal(takeAddedFilesCount(h.state), 1)
    assert.equal(AddedFilesCount.get(h.state), 0)
  })
})
