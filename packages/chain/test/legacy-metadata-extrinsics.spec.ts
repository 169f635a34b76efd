/**
 * What @polkadot/api 4.x clients send and read, against the runtime: they sign from V12/V13
 * metadata with Crust's types bundle (`Address = AccountId`: a bare signer, no `MultiAddress`
 * byte), and read events and storage by the type names the legacy metadata gives.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { decodeExtrinsic, signingPayload, verifySignature } from '../src/frame/extrinsic.js'
import { FilesV2 } from '../src/pallets/market/storage.js'
import { EVENTS_KEY } from '../src/pallets/system.js'
import { readCompact } from '../src/primitives/compact.js'
import { loadOldTypes, type OldRegistry, oldRegistryWithMetadata } from './fixtures/old-polkadot.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'

const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const HASH = new Uint8Array(32).fill(7)

interface OldExtrinsic {
  sign(pair: KeyringPair, options: Record<string, unknown>): void
  toU8a(): Uint8Array
}
type OldTx = Record<string, Record<string, (...args: unknown[]) => unknown>>

/** Signs `call` as an old client does (immortal, nonce 0, the runtime's versions). */
function signOld(registry: OldRegistry, harness: RuntimeHarness, call: unknown, pair: KeyringPair): Uint8Array {
  const xt = registry.createType('Extrinsic', call) as unknown as OldExtrinsic
  xt.sign(pair, {
    blockHash: HASH,
    genesisHash: HASH,
    nonce: 0,
    runtimeVersion: registry.createType('RuntimeVersion', {
      specVersion: harness.runtime.config.specVersion,
      transactionVersion: harness.runtime.config.transactionVersion,
    }),
  })
  return xt.toU8a()
}

/** `section.method` of each event in the block, decoded by the old registry. */
function oldEvents(registry: OldRegistry, harness: RuntimeHarness): Array<{ name: string; data: unknown }> {
  const raw = harness.state.get(EVENTS_KEY)!
  const records = registry.createType('Vec<EventRecord>', raw) as unknown as Array<{
    event: { section: string; method: string; data: { toJSON(): unknown } }
  }> & {
    toU8a(): Uint8Array
  }
  assert.equal(u8aToHex(records.toU8a()), u8aToHex(raw), 'the old registry reads the events to their last byte')
  return records.map((r) => ({ name: `${r.event.section}.${r.event.method}`, data: r.event.data.toJSON() }))
}

describe('@polkadot/api 4.x clients against the runtime', () => {
  let alice: KeyringPair
  let bob: KeyringPair
  before(async () => {
    await RuntimeHarness.create()
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    alice = keyring.addFromUri('//Alice')
    bob = keyring.addFromUri('//Bob')
  })

  it('@polkadot/types 4.17 with V13: a storage order signed with a bare-AccountId signer is accepted and placed; the events and the FileInfoV2 decode', async () => {
    const harness = await RuntimeHarness.create()
    const old = loadOldTypes('4.17')
    const { registry, metadata } = oldRegistryWithMetadata(old, harness.runtime.metadataOf(13), harness.runtime.config.specVersion)
    const { tx } = old.expandMetadata(registry, metadata) as { tx: OldTx }
    const bytes = signOld(registry, harness, tx.market!.placeStorageOrder!(CID, 1024, 0, ''), alice)
    // Crust's bundle makes the signer a bare AccountId: version byte, then the public key.
    const body = bytes.subarray(readCompact(bytes, 0)!.length)
    assert.equal(body[0], 0x84)
    assert.equal(u8aToHex(body.subarray(1, 33)), u8aToHex(alice.publicKey))
    const decoded = decodeExtrinsic(harness.runtime, bytes)
    assert.equal(u8aToHex(decoded.signed!.signer), u8aToHex(alice.publicKey))
    assert.equal(verifySignature(decoded.signed!, signingPayload(harness.runtime, decoded, HASH, HASH)), true)
    assert.equal(decoded.call.tag, 'Market')
    assert.equal(decoded.call.value.tag, 'place_storage_order')

    assert.deepEqual(harness.applyExtrinsic(bytes), { included: true, success: true })
    harness.endBlock()
    const events = oldEvents(registry, harness)
    assert.ok(
      events.some((e) => e.name === 'market.FileSuccess'),
      JSON.stringify(events.map((e) => e.name)),
    )
    assert.ok(events.some((e) => e.name === 'system.ExtrinsicSuccess'))
    const raw = harness.state.get(FilesV2.key(new TextEncoder().encode(CID)))!
    const file = registry.createType('FileInfoV2', raw) as unknown as { toU8a(): Uint8Array; toJSON(): { file_size: number } }
    assert.equal(u8aToHex(file.toU8a()), u8aToHex(raw))
    assert.equal(file.toJSON().file_size, 1024)
  })

  it('@polkadot/types 4.2 with V12: balances.transfer to an SS58 address is accepted; the old registry reads the Transfer event', async () => {
    const harness = await RuntimeHarness.create()
    const old = loadOldTypes('4.2')
    const { registry, metadata } = oldRegistryWithMetadata(old, harness.runtime.metadataOf(12), harness.runtime.config.specVersion)
    const { tx } = old.expandMetadata(registry, metadata) as { tx: OldTx }
    const bytes = signOld(registry, harness, tx.balances!.transfer!(bob.address, 5_000_000_000_000n.toString()), alice)
    const decoded = decodeExtrinsic(harness.runtime, bytes)
    assert.equal(u8aToHex(decoded.signed!.signer), u8aToHex(alice.publicKey))
    assert.deepEqual(decoded.call.value.tag, 'transfer')
    const args = decoded.call.value.value as { dest: { tag: string; value: Uint8Array }; value: bigint }
    assert.equal(args.dest.tag, 'Id')
    assert.equal(u8aToHex(args.dest.value), u8aToHex(bob.publicKey))
    assert.equal(args.value, 5_000_000_000_000n)

    assert.deepEqual(harness.applyExtrinsic(bytes), { included: true, success: true })
    harness.endBlock()
    const transfer = oldEvents(registry, harness).find((e) => e.name === 'balances.Transfer')
    assert.ok(transfer !== undefined)
    assert.deepEqual(transfer.data, [
      registry.createType('AccountId', alice.publicKey).toJSON(),
      registry.createType('AccountId', bob.publicKey).toJSON(),
      5_000_000_000_000,
    ])
  })
})
