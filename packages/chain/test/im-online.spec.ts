/**
 * ImOnline as Substrate's pallet_im_online (paritytech/substrate frame/im-online/src/lib.rs):
 * heartbeats signed with the session's im_online keys (`validate_unsigned`'s checks, here at
 * dispatch), blocks authored counting as online (`note_author`), and at the session's end the
 * validators that did neither reported as `UnresponsivenessOffence` (`on_before_session_ending`),
 * which Crust's staking chills (cstrml/staking/src/slashing.rs `compute_slash`: a zero slash still
 * kicks out a validator of its current span).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { CRU } from '../src/constants.js'
import { AuthoredBlocks, type Heartbeat, heartbeatPayload, imOnlineNewSession, Keys, ReceivedHeartbeats } from '../src/pallets/im-online/index.js'
import { isKnownOffence, PERBILL, UNRESPONSIVENESS, unresponsivenessSlashFraction } from '../src/pallets/offences/index.js'
import { CurrentIndex, SessionValidators, Validators } from '../src/pallets/staking/index.js'
import { Account } from '../src/pallets/system.js'
import { u32 } from '../src/primitives/codec/scale-type.js'
import { builtinSpec, LOCAL_AUTHORITIES } from '../src/spec/chain-spec.js'
import { type DecodedEvent, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { errorName } from './fixtures/swork-env.js'

/** 60-block eras of 6 sessions: sessions of 10 blocks. */
const ERA = 60
const SESSION = 10
const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
const pair = (uri: string) => keyring.addFromUri(uri)

function signedHeartbeat(hb: Heartbeat, by: KeyringPair): { heartbeat: Heartbeat; signature: Uint8Array } {
  return { heartbeat: hb, signature: by.sign(heartbeatPayload(hb)) }
}

const local = async () => RuntimeHarness.create({ spec: builtinSpec('local')!, config: { eraLength: ERA } })
const validators = () => LOCAL_AUTHORITIES.map((n) => pair(`//${n}`))
const events = (evs: DecodedEvent[], section: string) => evs.filter((e) => e.section === section)

describe('ImOnline', () => {
  it('behavior: a heartbeat signed with the session im_online key is received (no fee); forged, replayed, stale, unknown-index and wrong-length heartbeats are refused', async () => {
    const h = await local()
    const [alice, bob, charlie] = validators()
    const submitter = pair('//Ferdie')
    const hb = (over: Partial<Heartbeat> = {}): Heartbeat => ({ block_number: 1, session_index: 0, authority_index: 2, validators_len: 4, ...over })
    assert.deepEqual(
      Keys.get(h.state).map((k) => u8aToHex(k)),
      validators().map((p) => u8aToHex(p.publicKey)),
      "the session's im_online keys, in the validators' order",
    )
    // Charlie's heartbeat, signed with his (genesis) im_online key, sent by another account: no fee.
    const free = Account.get(h.state, submitter.publicKey).data.free
    const accepted = h.submit(submitter, 'ImOnline', 'heartbeat', signedHeartbeat(hb(), charlie!)).outcome
    assert.deepEqual(accepted, { included: true, success: true })
    assert.equal(Account.get(h.state, submitter.publicKey).data.free, free, 'an accepted heartbeat pays no fee')
    assert.equal(ReceivedHeartbeats.get(h.state, 0, 2), true)
    const call = (args: { heartbeat: Heartbeat; signature: Uint8Array }) => errorName(h, h.call(signed(submitter.publicKey), 'ImOnline', 'heartbeat', args))
    // The same heartbeat again (a replay).
    assert.equal(call(signedHeartbeat(hb(), charlie!)), 'DuplicatedHeartbeat')
    // Dave's heartbeat signed by Bob (forged), or Dave's index with Charlie's signature.
    assert.equal(call(signedHeartbeat(hb({ authority_index: 3 }), bob!)), 'BadSignature')
    assert.equal(call({ heartbeat: hb({ authority_index: 3 }), signature: signedHeartbeat(hb(), charlie!).signature }), 'BadSignature')
    assert.equal(call(signedHeartbeat(hb({ authority_index: 7 }), alice!)), 'InvalidKey')
    assert.equal(call(signedHeartbeat(hb({ authority_index: 0, validators_len: 3 }), alice!)), 'InvalidValidatorsLen')
    assert.equal(ReceivedHeartbeats.get(h.state, 0, 3), undefined, 'no forged heartbeat counted')
    const refused = h.submit(submitter, 'ImOnline', 'heartbeat', signedHeartbeat(hb({ authority_index: 3 }), bob!)).outcome
    assert.equal(refused.included && !refused.success, true)
    assert.ok(Account.get(h.state, submitter.publicKey).data.free < free, 'a refused heartbeat pays its fee')
    const received = events(h.endBlock(), 'imOnline')
    assert.deepEqual(
      received.map((e) => `${e.method}(${String(e.data[0])})`),
      [`HeartbeatReceived(${u8aToHex(charlie!.publicKey)})`],
    )
    // Session 1: a session-0 heartbeat replayed is stale, even well signed.
    h.runTo(SESSION)
    assert.equal(CurrentIndex.get(h.state), 1)
    h.startBlock()
    assert.equal(call(signedHeartbeat(hb({ authority_index: 0 }), alice!)), 'StaleHeartbeat')
    assert.equal(call(signedHeartbeat(hb({ session_index: 1, authority_index: 0 }), alice!)), undefined)
  })

  it('behavior: at the session end a validator that neither authored nor sent a heartbeat is reported offline (SomeOffline, an im-online:offlin offence for the session); the others are online', async () => {
    const h = await local()
    const [alice, bob, charlie, dave] = validators()
    // Session 0: Alice and Bob author, Charlie only sends a heartbeat, Dave does nothing.
    for (let n = 1; n < SESSION; n++) {
      h.startBlock(n % 2 === 0 ? alice!.publicKey : bob!.publicKey)
      if (n === 5) {
        const hb = { block_number: n, session_index: 0, authority_index: 2, validators_len: 4 }
        assert.equal(h.call(signed(charlie!.publicKey), 'ImOnline', 'heartbeat', signedHeartbeat(hb, charlie!)), undefined)
      }
      h.endBlock()
    }
    assert.equal(AuthoredBlocks.get(h.state, 0, alice!.publicKey), 4)
    assert.equal(AuthoredBlocks.get(h.state, 0, bob!.publicKey), 5)
    h.startBlock(alice!.publicKey)
    const evs = h.endBlock()
    const offline = events(evs, 'imOnline')
    assert.deepEqual(
      offline.map((e) => e.method),
      ['SomeOffline'],
    )
    const reported = (offline[0]!.data[0] as Array<[{ toString(): string }, unknown]>).map(([who]) => who.toString())
    assert.deepEqual(reported, [dave!.address])
    const offence = events(evs, 'offences')
    assert.equal(offence.length, 1)
    assert.equal(String(offence[0]!.data[0]), u8aToHex(new TextEncoder().encode('im-online:offlin')))
    assert.equal(String(offence[0]!.data[1]), u8aToHex(u32.codec.enc(0)), 'time slot: the session index')
    assert.ok(isKnownOffence(h.state, UNRESPONSIVENESS, u32.codec.enc(0), dave!.publicKey))
    assert.equal(isKnownOffence(h.state, UNRESPONSIVENESS, u32.codec.enc(0), charlie!.publicKey), false)
    assert.equal(ReceivedHeartbeats.get(h.state, 0, 2), undefined, "the session's heartbeats are dropped")
    assert.equal(AuthoredBlocks.get(h.state, 0, bob!.publicKey), 0, "the session's block counts are dropped")
    // Session 1: every validator authors in turn (the harness default): AllGood.
    h.runTo(2 * SESSION)
    assert.deepEqual(
      events(h.lastEvents, 'imOnline').map((e) => e.method),
      ['AllGood'],
    )
  })

  it("behavior: a session none of whose blocks came from its validators (a dev chain's single authority) reports nobody", async () => {
    const h = await local()
    const outsider = pair('//Ferdie').publicKey
    for (let n = 1; n <= SESSION; n++) {
      h.startBlock(outsider)
      h.endBlock()
    }
    assert.equal(CurrentIndex.get(h.state), 1)
    assert.deepEqual(events(h.lastEvents, 'imOnline'), [])
    assert.deepEqual(events(h.lastEvents, 'offences'), [])
  })

  it("behavior: an offline validator that is not invulnerable is chilled (Crust's kick-out on a zero slash)", async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    const alice = pair('//Alice//stash')
    const [bob, charlie] = [pair('//Bob'), pair('//Charlie')]
    assert.equal(h.call(signed(bob.publicKey), 'Staking', 'bond', { controller: { tag: 'Id', value: charlie.publicKey }, value: 1000n * CRU }), undefined)
    assert.equal(h.call(signed(charlie.publicKey), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    assert.ok(Validators.contains(h.state, bob.publicKey))
    // Bob is in the session's set (as an election would put him) and never authors.
    SessionValidators.put(h.state, [alice.publicKey, bob.publicKey])
    imOnlineNewSession(h.state, SESSION)
    h.endBlock()
    for (let n = h.number + 1; n <= SESSION; n++) {
      h.startBlock(alice.publicKey)
      h.endBlock()
    }
    assert.deepEqual(
      events(h.lastEvents, 'imOnline').map((e) => e.method),
      ['SomeOffline'],
    )
    assert.equal(Validators.contains(h.state, bob.publicKey), false, 'chilled')
  })

  it('behavior: the unresponsiveness slash fraction is min(3(k − (n/10 + 1)) / n, 1) × 7 % (Substrate im-online tests)', () => {
    // paritytech/substrate frame/im-online/src/tests.rs `test_unresponsiveness_slash_fraction`.
    assert.equal(unresponsivenessSlashFraction(1, 50), 0n)
    assert.equal(unresponsivenessSlashFraction(5, 50), 0n)
    assert.equal(unresponsivenessSlashFraction(7, 50), 4_200_000n)
    assert.equal(unresponsivenessSlashFraction(17, 50), 46_200_000n)
    // Our four-validator local chain: one offline is free, two cost 3/4 × 7 %.
    assert.equal(unresponsivenessSlashFraction(1, 4), 0n)
    assert.equal(unresponsivenessSlashFraction(2, 4), 52_500_000n)
    // Saturates at 7 %.
    assert.equal(unresponsivenessSlashFraction(4, 4), (7n * PERBILL) / 100n)
  })
})
