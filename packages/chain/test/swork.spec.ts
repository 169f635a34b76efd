/** sWork: enclave codes, registration with the attestation authority, work reports and A/B upgrade. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import {
  AttestationAuthority,
  type AttestationVerifier,
  buildSworkGenesis,
  Codes,
  FILES_LIMIT,
  Free,
  Identities,
  PubKeyOwner,
  PubKeys,
  ReportedFilesSize,
  ReportedInSlot,
  SRD_LIMIT,
  SworkGenesisError,
  sworkPallet,
  WorkReports,
} from '../src/pallets/swork/index.js'
import { BlockHash } from '../src/pallets/system.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { OverlayState } from '../src/frame/overlay.js'
import type { DispatchContext } from '../src/frame/pallet.js'
import { PALLET_INDEX } from '../src/runtime/runtime.js'
import { DEV_ENCLAVE_CODE } from '@crust-ts/protocol'
import { ROOT, signed } from './fixtures/runtime-harness.js'
import { account, assertError, currentSlot, newReporter, openBlock, register, reportNow, reportWorks, sworkEvents, sworkHarness } from './fixtures/swork-env.js'
import { AttestationAuthoritySim, files, SworkerSim } from './fixtures/sworker-sim.js'

const ALICE = account(1)
const BOB = account(2)
const ROOT_HASH = (n: number) => new Uint8Array(32).fill(n)

describe('swork: enclave codes', () => {
  it('behavior: root sets a code; anyone clears it only after it expires', async () => {
    const h = await sworkHarness()
    const code = Uint8Array.of(1, 2, 3)
    openBlock(h, 5)
    assertError(h, h.call(signed(ALICE), 'Swork', 'set_code', { new_code: code, expire_block: 10 }), 'BadOrigin')
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: code, expire_block: 10 }), undefined)
    assert.deepEqual(
      sworkEvents(h.endBlock()).map((e) => e.method),
      ['SetCodeSuccess'],
    )
    assert.equal(Codes.get(h.state, code), 10)
    openBlock(h, 10)
    assertError(h, h.call(signed(ALICE), 'Swork', 'clear_expired_code', { expired_code: code }), 'CodeNotExpired')
    openBlock(h, 11)
    assert.equal(h.call(signed(ALICE), 'Swork', 'clear_expired_code', { expired_code: code }), undefined)
    assert.equal(Codes.get(h.state, code), undefined)
    assert.deepEqual(
      sworkEvents(h.endBlock()).map((e) => e.method),
      ['RemoveCodeSuccess'],
    )
    // An unknown code is a no-op, as in Crust.
    openBlock(h, 12)
    assert.equal(h.call(signed(ALICE), 'Swork', 'clear_expired_code', { expired_code: code }), undefined)
    assert.deepEqual(sworkEvents(h.endBlock()), [])
  })
})

describe('swork: genesis', () => {
  it('behavior: genesis writes the authority and the codes; malformed input is a SworkGenesisError', () => {
    const state = new OverlayState(() => undefined)
    const authority = new AttestationAuthoritySim()
    buildSworkGenesis(state, { attestationAuthority: u8aToHex(authority.publicKey), codes: [['0x0102', 77]] })
    assert.deepEqual(AttestationAuthority.get(state), authority.publicKey)
    assert.equal(Codes.get(state, Uint8Array.of(1, 2)), 77)
    for (const bad of [
      { attestationAuthority: '0x04', codes: [] },
      { attestationAuthority: u8aToHex(Uint8Array.of(4, ...new Uint8Array(64).fill(1))), codes: [] },
      { attestationAuthority: 'nothex', codes: [] },
      { attestationAuthority: u8aToHex(authority.publicKey), codes: [['zz', 1]] as Array<[string, number]> },
      { attestationAuthority: u8aToHex(authority.publicKey), codes: [['0x01', -1]] as Array<[string, number]> },
    ]) {
      assert.throws(
        () => buildSworkGenesis(state, bad),
        (err: unknown) => err instanceof SworkGenesisError && err.code === 'SWORK_ERROR_INVALID_GENESIS',
      )
    }
  })
})

describe('swork: register', () => {
  it('behavior: evidence signed by the dev attestation authority registers the enclave key without an anchor', async () => {
    const h = await sworkHarness()
    const sworker = new SworkerSim()
    assert.equal(register(h, ALICE, sworker), undefined)
    const events = sworkEvents(h.endBlock())
    assert.deepEqual(events, [{ method: 'RegisterSuccess', data: [u8aToHex(ALICE), u8aToHex(sworker.pubkey)] }])
    assert.deepEqual(PubKeys.get(h.state, sworker.pubkey), { code: new Uint8Array(DEV_ENCLAVE_CODE), anchor: undefined })
    assert.equal(Identities.get(h.state, ALICE), undefined)
  })

  it('error: forged evidence is IllegalIdentity; a caller other than the applier is IllegalApplier', async () => {
    const h = await sworkHarness()
    const sworker = new SworkerSim()
    const good = sworker.registerArgs(ALICE)
    const call = (args: object) => h.call(signed(ALICE), 'Swork', 'register', { ...good, ...args })
    const other = AttestationAuthoritySim.random()
    // Another authority vouching for the same body.
    assertError(h, call(sworker.registerArgs(ALICE, other)), 'IllegalIdentity')
    // The right authority key with a signature that does not match the body.
    const badAuthoritySig = good.ias_sig.slice()
    badAuthoritySig[5]! ^= 1
    assertError(h, call({ ias_sig: badAuthoritySig }), 'IllegalIdentity')
    assertError(h, call({ ias_sig: other.sign(good.isv_body) }), 'IllegalIdentity')
    // A code that is not whitelisted.
    const rogue = new SworkerSim(new Uint8Array(32).fill(9))
    assertError(h, call(rogue.registerArgs(ALICE)), 'IllegalIdentity')
    // The enclave bound itself to another account.
    assertError(h, call({ sig: sworker.registerArgs(BOB).sig }), 'IllegalIdentity')
    // A bad enclave signature.
    const badSig = good.sig.slice()
    badSig[0]! ^= 1
    assertError(h, call({ sig: badSig }), 'IllegalIdentity')
    assertError(h, call({ sig: new SworkerSim().sign(new Uint8Array(1)) }), 'IllegalIdentity')
    // Caller is not the applier.
    assertError(h, h.call(signed(BOB), 'Swork', 'register', { ...good }), 'IllegalApplier')
    assert.equal(PubKeys.contains(h.state, sworker.pubkey), false)
    assert.equal(call({}), undefined)
  })

  it('error: an expired code is IllegalIdentity; a group owner is GroupOwnerForbidden', async () => {
    const h = await sworkHarness()
    openBlock(h, 3)
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: DEV_ENCLAVE_CODE, expire_block: 3 }), undefined)
    assertError(h, register(h, ALICE, new SworkerSim()), 'IllegalIdentity')
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: DEV_ENCLAVE_CODE, expire_block: 4 }), undefined)
    assert.equal(h.call(signed(BOB), 'Swork', 'create_group'), undefined)
    assertError(h, register(h, BOB, new SworkerSim()), 'GroupOwnerForbidden')
    assert.equal(register(h, ALICE, new SworkerSim()), undefined)
  })

  it('behavior: root replaces the attestation authority; evidence from the old one stops verifying', async () => {
    const h = await sworkHarness()
    const next = AttestationAuthoritySim.random()
    assertError(h, h.call(signed(ALICE), 'Swork', 'set_attestation_authority', { authority: next.publicKey }), 'BadOrigin')
    assertError(h, h.call(ROOT, 'Swork', 'set_attestation_authority', { authority: next.publicKey.subarray(1) }), 'IllegalAttestationAuthority')
    const offCurve = Uint8Array.of(4, ...new Uint8Array(64).fill(1))
    assertError(h, h.call(ROOT, 'Swork', 'set_attestation_authority', { authority: offCurve }), 'IllegalAttestationAuthority')
    assert.equal(h.call(ROOT, 'Swork', 'set_attestation_authority', { authority: next.publicKey }), undefined)
    assert.deepEqual(sworkEvents(h.endBlock()), [{ method: 'SetAttestationAuthoritySuccess', data: [u8aToHex(next.publicKey)] }])
    assertError(h, register(h, ALICE, new SworkerSim()), 'IllegalIdentity')
    assert.equal(register(h, ALICE, new SworkerSim(), next), undefined)
  })

  it('behavior: the attestation check is pluggable', () => {
    const seen: string[] = []
    const verifier: AttestationVerifier = {
      name: 'stub',
      verify(_state, evidence) {
        seen.push(u8aToHex(evidence.isv_body))
        return { code: new Uint8Array(DEV_ENCLAVE_CODE), pubkey: new Uint8Array(64).fill(7) }
      },
    }
    const pallet = sworkPallet(PALLET_INDEX.Swork, { verifier })
    const state = new OverlayState(() => undefined)
    Codes.insert(state, DEV_ENCLAVE_CODE, 100)
    const deposited: string[] = []
    const ctx: DispatchContext = {
      state,
      config: defaultRuntimeConfig,
      blockNumber: 1,
      author: new Uint8Array(32),
      deposit: (def) => void deposited.push(def.name),
      dispatch: () => undefined,
      dispatchWithPostInfo: () => ({}),
    }
    const args = { ias_sig: Uint8Array.of(1), ias_cert: Uint8Array.of(2), applier: ALICE, isv_body: Uint8Array.of(3), sig: Uint8Array.of(4) }
    pallet.calls.register!.dispatch(ctx, { kind: 'signed', who: ALICE }, args)
    assert.deepEqual(seen, ['0x03'])
    assert.deepEqual(deposited, ['RegisterSuccess'])
    assert.ok(PubKeys.contains(state, new Uint8Array(64).fill(7)))
  })

  it("behavior: register_with_deauth_chain accepts Crust's vector once both TEE chain keys are allowed", async () => {
    const v = JSON.parse(readFileSync(new URL('../../test/vectors/swork-crust.json', import.meta.url), 'utf8')).deauthChain as {
      applier: string
      code: string
      tee_pubkey: string
      pubkeys: string[]
      signatures: string[]
      tee_signature: string
    }
    const h = await sworkHarness()
    const who = hexToU8a(v.applier)
    const args = {
      applier: who,
      code: hexToU8a(v.code),
      pubkeys: v.pubkeys.map((p) => hexToU8a(p)),
      signatures: v.signatures.map((s) => hexToU8a(s)),
      tee_pubkey: hexToU8a(v.tee_pubkey),
      tee_signature: hexToU8a(v.tee_signature),
    }
    const call = (extra: object = {}) => h.call(signed(who), 'Swork', 'register_with_deauth_chain', { ...args, ...extra })
    assertError(h, call(), 'IllegalIdentity') // code not whitelisted yet
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: args.code, expire_block: 10_000 }), undefined)
    assertError(h, call(), 'InvalidTeeSignature') // keys not allowed yet
    assertError(h, h.call(signed(who), 'Swork', 'register_new_tee_pubkey', { pubkey_vec: args.pubkeys[0] }), 'BadOrigin')
    assertError(h, h.call(ROOT, 'Swork', 'register_new_tee_pubkey', { pubkey_vec: Uint8Array.of(1) }), 'IllegalTeePublicKey')
    for (const pk of args.pubkeys) assert.equal(h.call(ROOT, 'Swork', 'register_new_tee_pubkey', { pubkey_vec: pk }), undefined)
    assertError(h, h.call(signed(ALICE), 'Swork', 'register_with_deauth_chain', { ...args }), 'IllegalApplier')
    assertError(h, call({ signatures: [args.signatures[1], args.signatures[0]] }), 'IllegalIdentity')
    assert.equal(call(), undefined)
    assert.deepEqual(PubKeys.get(h.state, args.tee_pubkey), { code: args.code, anchor: undefined })
    assert.deepEqual(PubKeyOwner.get(h.state, args.tee_pubkey), who, 'the deauth-chain path binds the key to the applier too')
  })

  it('error: a TEE key vouched for by no sr25519 key is rejected (Crust accepted an empty list)', async () => {
    const h = await sworkHarness()
    const tee = new SworkerSim()
    const signedBytes = Uint8Array.from([...DEV_ENCLAVE_CODE, ...ALICE, ...tee.pubkey])
    const args = { applier: ALICE, code: DEV_ENCLAVE_CODE, pubkeys: [], signatures: [], tee_pubkey: tee.pubkey, tee_signature: tee.sign(signedBytes) }
    assertError(h, h.call(signed(ALICE), 'Swork', 'register_with_deauth_chain', args), 'InvalidTeeSignature')
  })
})

describe('swork: report_works', () => {
  it('behavior: the first report creates the identity, anchors the key and counts free and used space', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = new SworkerSim()
    assert.equal(register(h, ALICE, sworker), undefined)
    const added = files(2, 100n, 1n)
    assert.equal(
      reportNow(h, ALICE, sworker, { reported_srd_size: 5000n, reported_files_size: 200n, added_files: added, reported_files_root: ROOT_HASH(1) }),
      undefined,
    )
    assert.deepEqual(Identities.get(h.state, ALICE), { anchor: sworker.pubkey, punishment_deadline: 1n, group: undefined })
    assert.deepEqual(PubKeys.get(h.state, sworker.pubkey).anchor, sworker.pubkey)
    assert.deepEqual(WorkReports.get(h.state, sworker.pubkey), {
      report_slot: 0n,
      spower: 0n,
      free: 5000n,
      reported_files_size: 200n,
      reported_srd_root: new Uint8Array(32),
      reported_files_root: ROOT_HASH(1),
    })
    assert.equal(ReportedInSlot.get(h.state, sworker.pubkey, 0n), true)
    assert.equal(Free.get(h.state), 5000n)
    assert.equal(ReportedFilesSize.get(h.state), 200n)
    assert.deepEqual(
      sworkEvents(h.endBlock()).map((e) => e.method),
      ['RegisterSuccess', 'WorksReportSuccess'],
    )
    // The next slot replaces the report; the totals move by the difference.
    openBlock(h, 61)
    assert.equal(
      reportNow(h, ALICE, sworker, { reported_srd_size: 3000n, reported_files_size: 100n, deleted_files: [added[0]!], reported_files_root: ROOT_HASH(2) }),
      undefined,
    )
    assert.equal(Free.get(h.state), 3000n)
    assert.equal(ReportedFilesSize.get(h.state), 100n)
    assert.equal(WorkReports.get(h.state, sworker.pubkey)!.report_slot, 60n)
  })

  it('error: each check in Crust order with its error', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = newReporter(h, ALICE)
    openBlock(h, 62)
    const { slot, slot_hash } = currentSlot(h)
    const stranger = new SworkerSim()
    // 1. limits come first, even for an unknown key.
    assertError(h, reportWorks(h, ALICE, stranger.report({ slot, slot_hash, reported_srd_size: SRD_LIMIT })), 'IllegalWorkReport')
    assertError(h, reportNow(h, ALICE, sworker, { reported_srd_size: SRD_LIMIT }), 'IllegalWorkReport')
    assertError(h, reportNow(h, ALICE, sworker, { reported_files_size: FILES_LIMIT }), 'IllegalWorkReport')
    assertError(h, reportNow(h, ALICE, sworker, { added_files: files(301, 1n, 1n) }), 'IllegalWorkReport')
    assertError(h, reportNow(h, ALICE, sworker, { deleted_files: files(301, 1n, 1n) }), 'IllegalWorkReport')
    assertError(h, reportNow(h, ALICE, sworker, { added_files: [[Uint8Array.of(1), 1n, 1n << 32n]] }), 'IllegalWorkReport')
    // 2. the key must be registered.
    assertError(h, reportWorks(h, ALICE, stranger.report({ slot, slot_hash })), 'IllegalReporter')
    // 6. an anchored key reports only for its own account.
    assertError(h, reportNow(h, BOB, sworker), 'IllegalReporter')
    // 6 before 7: a slot this anchor already reported in is a no-op, whatever the slot's age.
    assert.equal(reportNow(h, ALICE, sworker, { slot: 0n, slot_hash: BlockHash.get(h.state, 0) }), undefined)
    // 7. slot and slot hash (a key without anchor skips 6).
    assert.equal(register(h, ALICE, stranger), undefined)
    assertError(h, reportWorks(h, ALICE, stranger.report({ slot: 0n, slot_hash: BlockHash.get(h.state, 0) })), 'InvalidReportTime')
    assertError(h, reportNow(h, ALICE, sworker, { slot: 61n, slot_hash: BlockHash.get(h.state, 61) }), 'InvalidReportTime')
    assertError(h, reportNow(h, ALICE, sworker, { slot_hash: new Uint8Array(32) }), 'InvalidReportTime')
    assertError(h, reportNow(h, ALICE, sworker, { slot: 120n, slot_hash: new Uint8Array(32) }), 'InvalidReportTime')
    // A slot past the code's expiry fails check 4 first.
    assertError(h, reportNow(h, ALICE, sworker, { slot: 1n << 40n }), 'OutdatedReporter')
    // 8. the enclave signature over every field.
    assertError(h, reportWorks(h, ALICE, { ...sworker.report({ slot, slot_hash }), sig: stranger.sign(Uint8Array.of(1)) }), 'IllegalWorkReportSig')
    const signedReport = sworker.report({ slot, slot_hash, reported_srd_size: 10n })
    for (const altered of [
      { reported_srd_size: 11n },
      { reported_files_size: 1n },
      { reported_srd_root: ROOT_HASH(9) },
      { reported_files_root: ROOT_HASH(9) },
      { ab_upgrade_pk: Uint8Array.of(1) },
    ]) {
      assertError(h, reportWorks(h, ALICE, { ...signedReport, ...altered }), 'IllegalWorkReportSig')
    }
    // 9. files transition against the previous report (files size 0, root of zeros).
    assertError(h, reportNow(h, ALICE, sworker, { added_files: files(1, 10n, 1n), reported_files_size: 11n }), 'IllegalFilesTransition')
    assertError(h, reportNow(h, ALICE, sworker, { reported_files_root: ROOT_HASH(3) }), 'IllegalFilesTransition')
    // Nothing above changed the stored report.
    assert.equal(WorkReports.get(h.state, sworker.pubkey)!.report_slot, 0n)
    assert.equal(reportWorks(h, ALICE, signedReport), undefined)
    assert.equal(WorkReports.get(h.state, sworker.pubkey)!.free, 10n)
  })

  it('error: a report in the slot block itself (hash not stored yet) is InvalidReportTime', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = newReporter(h, ALICE)
    openBlock(h, 60)
    // Crust compared against the default zero hash here, so a zero hash passed.
    assertError(h, reportNow(h, ALICE, sworker, { slot: 60n, slot_hash: new Uint8Array(32) }), 'InvalidReportTime')
  })

  it('error: group owner forbidden (3) and outdated code (4), in that order', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = new SworkerSim()
    assert.equal(register(h, BOB, sworker), undefined)
    assert.equal(h.call(signed(BOB), 'Swork', 'create_group'), undefined)
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: DEV_ENCLAVE_CODE, expire_block: 0 }), undefined)
    assertError(h, reportNow(h, BOB, sworker), 'GroupOwnerForbidden')
    const other = new SworkerSim()
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: DEV_ENCLAVE_CODE, expire_block: 100 }), undefined)
    assert.equal(register(h, ALICE, other), undefined)
    // The code must be valid for the reported slot: slot < expiry.
    openBlock(h, 62)
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: DEV_ENCLAVE_CODE, expire_block: 60 }), undefined)
    assertError(h, reportNow(h, ALICE, other), 'OutdatedReporter')
    assert.equal(h.call(ROOT, 'Swork', 'set_code', { new_code: DEV_ENCLAVE_CODE, expire_block: 61 }), undefined)
    assert.equal(reportNow(h, ALICE, other), undefined)
  })

  it('behavior: a second report in the same slot is a no-op (Ok, nothing changes, no event)', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = newReporter(h, ALICE, { reported_srd_size: 7n })
    h.endBlock()
    openBlock(h, 3)
    const before = WorkReports.get(h.state, sworker.pubkey)
    assert.equal(reportNow(h, ALICE, sworker, { reported_srd_size: 99n, added_files: files(1, 5n, 1n), reported_files_size: 5n }), undefined)
    assert.deepEqual(WorkReports.get(h.state, sworker.pubkey), before)
    assert.equal(Free.get(h.state), 7n)
    assert.deepEqual(sworkEvents(h.endBlock()), [])
  })

  it('behavior: files transition accepts old + added − deleted and an unchanged root without changes', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = newReporter(h, ALICE, { added_files: files(3, 10n, 1n), reported_files_size: 30n, reported_files_root: ROOT_HASH(1) })
    openBlock(h, 62)
    assert.equal(
      reportNow(h, ALICE, sworker, {
        added_files: files(1, 5n, 61n, 'g'),
        deleted_files: files(2, 10n, 1n),
        reported_files_size: 15n,
        reported_files_root: ROOT_HASH(2),
      }),
      undefined,
    )
    openBlock(h, 122)
    assert.equal(reportNow(h, ALICE, sworker, { reported_files_size: 999n, reported_files_root: ROOT_HASH(2) }), undefined)
    assert.equal(ReportedFilesSize.get(h.state), 999n)
  })

  it('behavior: A/B upgrade hands the anchor to the new key; the old key is removed', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const a = newReporter(h, ALICE, { reported_srd_size: 50n, reported_files_root: ROOT_HASH(4), added_files: files(1, 4n, 1n), reported_files_size: 4n })
    const b = new SworkerSim()
    assert.equal(register(h, ALICE, b), undefined)
    openBlock(h, 62)
    const upgrade = { ab_upgrade_pk: a.pubkey, reported_files_root: ROOT_HASH(4), reported_files_size: 4n }
    // Nothing may change in the upgrade report.
    assertError(h, reportNow(h, ALICE, b, { ...upgrade, reported_files_root: ROOT_HASH(5) }), 'ABUpgradeFailed')
    assertError(h, reportNow(h, ALICE, b, { ...upgrade, reported_srd_root: ROOT_HASH(5) }), 'ABUpgradeFailed')
    assertError(h, reportNow(h, ALICE, b, { ...upgrade, added_files: files(1, 1n, 1n, 'x'), reported_files_size: 5n }), 'ABUpgradeFailed')
    assertError(h, reportNow(h, ALICE, b, { ...upgrade, ab_upgrade_pk: new SworkerSim().pubkey }), 'ABUpgradeFailed')
    // Another account's new enclave cannot take Alice's anchor (a check Crust lacks).
    const mallory = new SworkerSim()
    assert.equal(register(h, BOB, mallory), undefined)
    assertError(h, reportNow(h, BOB, mallory, upgrade), 'ABUpgradeFailed')
    assert.equal(reportNow(h, ALICE, b, upgrade), undefined)
    const events = sworkEvents(h.endBlock()).filter((e) => e.method === 'ABUpgradeSuccess')
    assert.deepEqual(events[0], { method: 'ABUpgradeSuccess', data: [u8aToHex(ALICE), u8aToHex(a.pubkey), u8aToHex(b.pubkey)] })
    assert.deepEqual(PubKeys.get(h.state, b.pubkey).anchor, a.pubkey)
    assert.equal(PubKeys.contains(h.state, a.pubkey), false)
    assert.deepEqual(Identities.get(h.state, ALICE)!.anchor, a.pubkey)
    assert.equal(WorkReports.get(h.state, a.pubkey)!.report_slot, 60n)
    assert.equal(ReportedInSlot.get(h.state, a.pubkey, 60n), true)
    // The old key is gone; the new one reports normally under the old anchor.
    openBlock(h, 122)
    assertError(h, reportNow(h, ALICE, a, { reported_files_root: ROOT_HASH(4), reported_files_size: 4n }), 'IllegalReporter')
    assert.equal(reportNow(h, ALICE, b, { reported_files_root: ROOT_HASH(4), reported_files_size: 4n, reported_srd_size: 1n }), undefined)
    assert.equal(WorkReports.get(h.state, a.pubkey)!.free, 1n)
  })

  it('behavior: registering a new key and reporting without upgrade replaces the anchor and drops the old report', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const a = newReporter(h, ALICE, { reported_srd_size: 50n })
    const c = new SworkerSim()
    openBlock(h, 62)
    assert.equal(register(h, ALICE, c), undefined)
    assert.equal(reportNow(h, ALICE, c, { reported_srd_size: 20n }), undefined)
    assert.deepEqual(Identities.get(h.state, ALICE), { anchor: c.pubkey, punishment_deadline: 1n, group: undefined })
    assert.equal(WorkReports.get(h.state, a.pubkey), undefined)
    assert.equal(ReportedInSlot.get(h.state, a.pubkey, 0n), false)
    assert.equal(Free.get(h.state), 70n) // Crust adjusts the total by the new report only; the aggregation recounts it.
  })
})

describe('swork: enclave keys are bound to the registering account', () => {
  const CHARLIE = account(3)

  it('error: a first report replayed from another account is IllegalReporter; the owner reports it afterwards', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = new SworkerSim()
    assert.equal(register(h, ALICE, sworker), undefined)
    assert.deepEqual(PubKeyOwner.get(h.state, sworker.pubkey), ALICE)
    // Bob copies Alice's enclave-signed first report from the pool and submits it as his own.
    const first = sworker.report({ ...currentSlot(h), reported_srd_size: 100n })
    assertError(h, reportWorks(h, BOB, first), 'IllegalReporter')
    assert.equal(Identities.get(h.state, BOB), undefined)
    assert.equal(PubKeys.get(h.state, sworker.pubkey).anchor, undefined)
    assert.equal(reportWorks(h, ALICE, first), undefined)
    assert.deepEqual(Identities.get(h.state, ALICE)!.anchor, sworker.pubkey)
    // Later reports stay Alice's.
    openBlock(h, 62)
    const next = sworker.report({ ...currentSlot(h), reported_srd_size: 100n })
    assertError(h, reportWorks(h, BOB, next), 'IllegalReporter')
    assert.equal(reportWorks(h, ALICE, next), undefined)
  })

  it('error: registering a key bound to another account is PubKeyBoundToOther; the owner may register it again', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = newReporter(h, ALICE, { reported_srd_size: 7n })
    // The enclave attests the same key for Bob (a second attestation): the binding does not move.
    assertError(h, register(h, BOB, sworker), 'PubKeyBoundToOther')
    assert.deepEqual(PubKeyOwner.get(h.state, sworker.pubkey), ALICE)
    assert.deepEqual(PubKeys.get(h.state, sworker.pubkey).anchor, sworker.pubkey, "Alice's anchor is untouched")
    openBlock(h, 62)
    assertError(h, reportNow(h, BOB, sworker, { reported_srd_size: 7n }), 'IllegalReporter')
    assert.equal(reportNow(h, ALICE, sworker, { reported_srd_size: 7n }), undefined)
    // The owner registers again (a restarted sWorker): the key keeps working for her.
    openBlock(h, 122)
    assert.equal(register(h, ALICE, sworker), undefined)
    assert.deepEqual(PubKeyOwner.get(h.state, sworker.pubkey), ALICE)
    assertError(h, reportNow(h, BOB, sworker, { reported_srd_size: 7n }), 'IllegalReporter')
    assert.equal(reportNow(h, ALICE, sworker, { reported_srd_size: 7n }), undefined)
    assert.deepEqual(Identities.get(h.state, ALICE)!.anchor, sworker.pubkey)
    assert.equal(Identities.get(h.state, BOB), undefined)
  })

  it("behavior: an A/B upgrade keeps the binding: the new key reports only for the old key's owner; the retired key stays hers", async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const a = newReporter(h, ALICE, { reported_srd_size: 9n })
    const b = new SworkerSim()
    assert.equal(register(h, ALICE, b), undefined)
    openBlock(h, 62)
    const upgrade = b.report({ ...currentSlot(h), ab_upgrade_pk: a.pubkey })
    assertError(h, reportWorks(h, BOB, upgrade), 'IllegalReporter')
    assert.equal(reportWorks(h, ALICE, upgrade), undefined)
    assert.deepEqual(PubKeyOwner.get(h.state, b.pubkey), ALICE)
    assert.deepEqual(PubKeys.get(h.state, b.pubkey).anchor, a.pubkey)
    // The retired key cannot be registered by someone else (it would report under Alice's anchor).
    assert.equal(PubKeys.contains(h.state, a.pubkey), false)
    assertError(h, register(h, CHARLIE, a), 'PubKeyBoundToOther')
    openBlock(h, 122)
    assertError(h, reportNow(h, BOB, b), 'IllegalReporter')
    assert.equal(reportNow(h, ALICE, b), undefined)
  })
})
