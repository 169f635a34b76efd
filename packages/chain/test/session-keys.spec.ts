/**
 * Session keys as Substrate's pallet_session keeps them (paritytech/substrate frame/session/src/lib.rs:
 * `set_keys` / `purge_keys`, `inner_set_keys` refusing a key another validator owns with
 * DuplicatedKey, `rotate_session` queueing NextKeys in QueuedKeys for the next session and putting
 * the queued keys in force at the one after), with Crust's SessionKeys layout (runtime/src/lib.rs:92-99),
 * and the consensus authority set reading the keys in force.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { eraAuthorities } from '../src/chain/authorities.js'
import type { BlockRecord, StateView } from '../src/chain/index.js'
import { CRU } from '../src/constants.js'
import {
  ActiveKeys,
  CurrentIndex,
  decodeSessionKeys,
  encodeSessionKeys,
  KeyOwner,
  KEY_TYPES,
  NextKeys,
  QueuedKeys,
  type SessionKeys,
  uniformKeys,
} from '../src/pallets/staking/index.js'
import { accountIdOf, builtinSpec, DEV_AUTHORITY, devAddress, LOCAL_AUTHORITIES } from '../src/spec/chain-spec.js'
import { RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

/** 60-block eras of 6 sessions: sessions of 10 blocks. */
const ERA = 60
const SESSION = 10
const dev = (name: string) => accountIdOf(devAddress(name))
const ALICE = dev(DEV_AUTHORITY)
const [BOB, CHARLIE] = [dev('Bob'), dev('Charlie')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const hex = (k: SessionKeys) => Object.fromEntries(Object.entries(k).map(([n, v]) => [n, u8aToHex(v)]))

/** Four distinct keys derived from `seed` (one per role). */
function keysOf(seed: string): SessionKeys {
  const k = (role: string) => new Keyring({ type: 'sr25519' }).addFromUri(`//${seed}//${role}`).publicKey
  return { grandpa: k('gran'), aura: k('aura'), im_online: k('imon'), authority_discovery: k('audi') }
}

const blockAt = (number: number): BlockRecord => {
  const hash = new Uint8Array(32).fill(number % 256)
  hash[31] = 0xee
  return {
    hash,
    hashHex: u8aToHex(hash),
    number,
    header: { parentHash: new Uint8Array(32), number, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32), digest: [] },
  }
}
const view = (h: RuntimeHarness): StateView => ({ root: new Uint8Array(32), get: (k) => h.state.get(k), keys: () => [] })

describe('session keys', () => {
  it('behavior: genesis validators start with their account key in every role, queued and in force', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    assert.deepEqual(hex(NextKeys.get(h.state, ALICE)!), hex(uniformKeys(ALICE)))
    assert.deepEqual(
      ActiveKeys.get(h.state).map(([v, k]) => [u8aToHex(v), hex(k)]),
      [[u8aToHex(ALICE), hex(uniformKeys(ALICE))]],
    )
    assert.equal(u8aToHex(KeyOwner.get(h.state, [new TextEncoder().encode(KEY_TYPES.aura), ALICE])!), u8aToHex(ALICE))
    assert.deepEqual(eraAuthorities().authoritiesFor(blockAt(0), view(h)), [ALICE])
  })

  it("behavior: set_keys is queued when the next session starts and in force from the one after; the slot is then the new Aura key's, the votes the new grandpa key's, and the validator is credited", async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    const fresh = keysOf('alice-rotated')
    assert.equal(encodeSessionKeys(fresh).length, 128, "Crust's opaque SessionKeys: four 32-byte keys")
    assert.deepEqual(hex(decodeSessionKeys(encodeSessionKeys(fresh))!), hex(fresh))
    assert.equal(h.call(signed(ALICE), 'Session', 'set_keys', { keys: fresh, proof: new Uint8Array() }), undefined)
    h.endBlock()
    assert.deepEqual(hex(NextKeys.get(h.state, ALICE)!), hex(fresh))
    assert.equal(u8aToHex(KeyOwner.get(h.state, [new TextEncoder().encode('aura'), fresh.aura])!), u8aToHex(ALICE))
    assert.equal(KeyOwner.get(h.state, [new TextEncoder().encode('aura'), ALICE]), undefined, 'the replaced key is released')

    const eras = eraAuthorities()
    const before = eras.votersFor(blockAt(h.number), view(h))
    // Session 1: the new keys are queued, the old ones still in force.
    h.runTo(SESSION)
    assert.equal(CurrentIndex.get(h.state), 1)
    assert.deepEqual(hex(QueuedKeys.get(h.state)[0]![1]), hex(fresh))
    assert.deepEqual(eras.authoritiesFor(blockAt(h.number), view(h)), [ALICE])
    // Session 2: in force.
    h.runTo(2 * SESSION)
    assert.equal(CurrentIndex.get(h.state), 2)
    const at = blockAt(h.number)
    assert.deepEqual(eras.authoritiesFor(at, view(h)), [fresh.aura])
    const voters = eras.votersFor(at, view(h))
    assert.deepEqual(
      voters.voters.map((v) => v.id),
      [fresh.grandpa],
    )
    assert.notEqual(voters.setId, before.setId, 'a new voter set when the keys in force change')
    assert.equal(voters.setId % 2 ** 32, before.setId % 2 ** 32, 'within the same era')
    assert.equal(u8aToHex(eras.accountOf!(at, view(h), fresh.aura)), u8aToHex(ALICE), 'the validator is credited for blocks sealed with its key')
  })

  it('error: a key another validator owns is refused with DuplicatedKey; an account with no stash gets NoAssociatedValidatorId; purge_keys twice gives NoKeys', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    // Bob bonds (controller Charlie) and tries Alice's genesis Aura key as his own.
    assert.equal(h.call(signed(BOB), 'Staking', 'bond', { controller: id(CHARLIE), value: 1000n * CRU }), undefined)
    assertError(h, h.call(signed(CHARLIE), 'Session', 'set_keys', { keys: { ...keysOf('bob'), aura: ALICE }, proof: new Uint8Array() }), 'DuplicatedKey')
    assert.equal(NextKeys.get(h.state, BOB), undefined, 'nothing recorded')
    // The stash itself is no controller: set_keys comes from the controller (Crust's StashOf).
    assertError(h, h.call(signed(BOB), 'Session', 'set_keys', { keys: keysOf('bob'), proof: new Uint8Array() }), 'NoAssociatedValidatorId')
    assert.equal(h.call(signed(CHARLIE), 'Session', 'set_keys', { keys: keysOf('bob'), proof: new Uint8Array() }), undefined)
    assert.deepEqual(hex(NextKeys.get(h.state, BOB)!), hex(keysOf('bob')), 'recorded for the stash')
    // Alice cannot take Bob's key either, and may re-set her own keys.
    assertError(
      h,
      h.call(signed(ALICE), 'Session', 'set_keys', { keys: { ...keysOf('alice'), grandpa: keysOf('bob').grandpa }, proof: new Uint8Array() }),
      'DuplicatedKey',
    )
    assert.equal(h.call(signed(ALICE), 'Session', 'set_keys', { keys: uniformKeys(ALICE), proof: new Uint8Array() }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Session', 'purge_keys', {}), undefined)
    assert.equal(NextKeys.get(h.state, BOB), undefined)
    assert.equal(KeyOwner.get(h.state, [new TextEncoder().encode('gran'), keysOf('bob').grandpa]), undefined)
    assertError(h, h.call(signed(CHARLIE), 'Session', 'purge_keys', {}), 'NoKeys')
  })

  it('behavior: the local spec puts its four authorities in slot order with their account keys', async () => {
    const h = await RuntimeHarness.create({ spec: builtinSpec('local')!, config: { eraLength: ERA } })
    const accounts = LOCAL_AUTHORITIES.map(dev)
    assert.deepEqual(eraAuthorities().authoritiesFor(blockAt(0), view(h)), accounts)
    assert.deepEqual(
      ActiveKeys.get(h.state).map(([v, k]) => [u8aToHex(v), u8aToHex(k.aura)]),
      accounts.map((a) => [u8aToHex(a), u8aToHex(a)]),
    )
  })
})
