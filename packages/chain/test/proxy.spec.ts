/** The Proxy pallet (Substrate's pallet_proxy; Polkadot's proxy types, Crust's deposit formula). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { CRU } from '../src/constants.js'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import {
  ANNOUNCEMENT_DEPOSIT_BASE,
  ANNOUNCEMENT_DEPOSIT_FACTOR,
  Announcements,
  MAX_PENDING,
  PROXY_DEPOSIT_BASE,
  PROXY_DEPOSIT_FACTOR,
  Proxies,
  pureAccount,
} from '../src/pallets/proxy.js'
import { Validators } from '../src/pallets/staking/index.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { type DecodedEvent, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError, errorName } from './fixtures/swork-env.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, DAVE] = [dev('Alice'), dev('Bob'), dev('Dave')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const type = (tag: string) => ({ tag, value: undefined })
const call = (pallet: string, name: string, args: Record<string, unknown>): RuntimeCallValue => ({ tag: pallet, value: { tag: name, value: args } })
const transfer = (value: bigint) => call('Balances', 'transfer_keep_alive', { dest: id(DAVE), value })
const account = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data

/** The inner result of the block's last ProxyExecuted event: undefined for Ok, else the error's name. */
function proxyResult(h: RuntimeHarness, events: DecodedEvent[]): string | undefined {
  const executed = events.filter((e) => e.method === 'ProxyExecuted').at(-1)!
  const result = executed.data[0] as { isOk: boolean; asErr: { isModule: boolean; asModule: unknown; type: string } }
  if (result.isOk) return undefined
  return result.asErr.isModule ? h.runtime.registry.findMetaError(result.asErr.asModule as never).name : result.asErr.type
}

describe('proxy', () => {
  it("behavior: add_proxy reserves deposit(1, 8) + deposit(0, 33) per proxy; proxy(transfer) moves the real account's funds (ProxyExecuted Ok)", async () => {
    const h = await RuntimeHarness.create()
    assert.equal(PROXY_DEPOSIT_BASE, 10_008_000_000_000n)
    assert.equal(PROXY_DEPOSIT_FACTOR, 33_000_000_000n)
    const reserved = account(h, ALICE).reserved
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Staking'), delay: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + 2n * PROXY_DEPOSIT_FACTOR)
    assert.ok(h.endBlock().some((e) => e.method === 'ProxyAdded'))
    const [alice, bob, dave] = [account(h, ALICE).free, account(h, BOB).free, account(h, DAVE).free]
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: transfer(3n * CRU) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(account(h, DAVE).free, dave + 3n * CRU)
    assert.equal(account(h, ALICE).free, alice - 3n * CRU)
    assert.equal(account(h, BOB).free, bob)
  })

  it('behavior: a Staking proxy may bond and validate for the real account but not transfer (CallFiltered), also not inside a batch', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Staking'), delay: 0 }), undefined)
    const dave = account(h, DAVE).free
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: transfer(CRU) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    const batch = call('Utility', 'batch_all', { calls: [transfer(CRU)] })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: batch }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(account(h, DAVE).free, dave)
    const staking = call('Utility', 'batch_all', {
      calls: [call('Staking', 'bond', { controller: id(ALICE), value: 100n * CRU }), call('Staking', 'validate', { prefs: { guarantee_fee: 0 } })],
    })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: type('Staking'), call: staking }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(Validators.contains(h.state, ALICE), true)
  })

  it('error: NotProxy for a non-delegate or a forced type it lacks; a non-Any proxy cannot add an Any proxy (escalation) or remove_proxies', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('NonTransfer'), delay: 0 }), undefined)
    assertError(h, h.call(signed(DAVE), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: transfer(CRU) }), 'NotProxy')
    assertError(h, h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: type('Any'), call: transfer(CRU) }), 'NotProxy')
    const escalate = call('Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('Any'), delay: 0 })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: escalate }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: call('Proxy', 'remove_proxies', {}) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(Proxies.get(h.state, ALICE)[0].length, 1)
    const staking = call('Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('Staking'), delay: 0 })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: staking }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined, 'NonTransfer covers Staking')
    assert.equal(Proxies.get(h.state, ALICE)[0].length, 2)
  })

  it('behavior: remove_proxy lowers the deposit, remove_proxies returns all of it; error: NoSelfProxy, Duplicate, NotFound, InsufficientBalance', async () => {
    const h = await RuntimeHarness.create()
    const reserved = account(h, ALICE).reserved
    assertError(h, h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(ALICE), proxy_type: type('Any'), delay: 0 }), 'NoSelfProxy')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), undefined)
    assertError(h, h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), 'Duplicate')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('Any'), delay: 0 }), undefined)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'remove_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR)
    assertError(h, h.call(signed(ALICE), 'Proxy', 'remove_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), 'NotFound')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'remove_proxies', {}), undefined)
    assert.equal(account(h, ALICE).reserved, reserved)
    assert.equal(Proxies.contains(h.state, ALICE), false)
    const poor = new Uint8Array(32).fill(0xdd)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(poor), value: CRU }), undefined)
    assert.equal(errorName(h, h.call(signed(poor), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 })), 'InsufficientBalance')
  })
})

/** The pure account as @polkadot/types encodes Substrate's entropy tuple, hashed with blake2_256 (no code of ours). */
function pureByPolkadotTypes(h: RuntimeHarness, spawner: Uint8Array, type: string, index: number, height: number, extIndex: number): Uint8Array {
  const entropy = h.runtime.registry.createType('([u8;16], AccountId32, u32, u32, CrustRuntimeProxyType, u16)', [
    new TextEncoder().encode('modlpy/proxy____'),
    spawner,
    height,
    extIndex,
    type,
    index,
  ])
  return blake2AsU8a(entropy.toU8a(), 256)
}

const eventsNamed = (events: DecodedEvent[], method: string) => events.filter((e) => e.section === 'proxy' && e.method === method)

describe('proxy: pure accounts', () => {
  it('behavior: create_pure makes the account blake2_256(("modlpy/proxy____", spawner, height, ext_index, type, index)) with the spawner as its proxy; the spawner reserves base + factor', async () => {
    const h = await RuntimeHarness.create()
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice')
    assert.deepEqual(alice.publicKey, ALICE)
    const reserved = account(h, ALICE).reserved
    // Extrinsic 0 of the block is a transfer, so the pure account's ext_index is 1.
    assert.equal(h.submit(alice, 'Balances', 'transfer_keep_alive', { dest: id(DAVE), value: CRU }).outcome.included, true)
    const { outcome } = h.submit(alice, 'Proxy', 'create_pure', { proxy_type: type('Any'), delay: 0, index: 0 })
    assert.deepEqual(outcome, { included: true, success: true })
    const height = h.number
    const [created] = eventsNamed(h.endBlock(), 'PureCreated')
    const pure = pureAccount(ALICE, 'Any', 0, height, 1)
    assert.equal(u8aToHex(pure), u8aToHex(pureByPolkadotTypes(h, ALICE, 'Any', 0, height, 1)))
    assert.notEqual(u8aToHex(pure), u8aToHex(pureAccount(ALICE, 'Any', 0, height, 0)), 'the extrinsic index is part of the entropy')
    assert.deepEqual(
      (created!.data as Array<{ toU8a(): Uint8Array }>).map((d) => u8aToHex(d.toU8a())),
      [u8aToHex(pure), u8aToHex(ALICE), '0x00', '0x0000'],
      'PureCreated { pure, who, proxy_type: Any, disambiguation_index: 0 }',
    )
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR)
    const [defs, deposit] = Proxies.get(h.state, pure)
    assert.deepEqual(
      defs.map((d) => [u8aToHex(d.delegate), d.proxy_type.tag, d.delay]),
      [[u8aToHex(ALICE), 'Any', 0]],
    )
    assert.equal(deposit, PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR)
    assert.equal(account(h, pure).reserved, 0n, 'the pure account holds no deposit')

    // The spawner spends from it through proxy.
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(pure), value: 5n * CRU }), undefined)
    const dave = account(h, DAVE).free
    assert.equal(h.call(signed(ALICE), 'Proxy', 'proxy', { real: id(pure), force_proxy_type: undefined, call: transfer(2n * CRU) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(account(h, DAVE).free, dave + 2n * CRU)
    assert.equal(account(h, pure).free, 3n * CRU)
  })

  it('behavior: kill_pure from the pure account (through proxy) with its create_pure parameters removes it, returns the deposit to the spawner (PureKilled); the spawner then is no proxy', async () => {
    const h = await RuntimeHarness.create()
    const reserved = account(h, ALICE).reserved
    h.startBlock()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'create_pure', { proxy_type: type('Any'), delay: 0, index: 7 }), undefined)
    const height = h.number
    h.endBlock()
    const pure = pureAccount(ALICE, 'Any', 7, height, 0)
    assert.equal(Proxies.contains(h.state, pure), true)
    const kill = (ext_index: number) => call('Proxy', 'kill_pure', { spawner: id(ALICE), proxy_type: type('Any'), index: 7, height, ext_index })
    assert.equal(h.call(signed(ALICE), 'Proxy', 'proxy', { real: id(pure), force_proxy_type: undefined, call: kill(0) }), undefined)
    const events = h.endBlock()
    assert.equal(proxyResult(h, events), undefined)
    const [killed] = eventsNamed(events, 'PureKilled')
    assert.deepEqual(
      (killed!.data as Array<{ toU8a(): Uint8Array }>).map((d) => u8aToHex(d.toU8a())),
      [u8aToHex(pure), u8aToHex(ALICE), '0x00', '0x0700'],
    )
    assert.equal(Proxies.contains(h.state, pure), false)
    assert.equal(account(h, ALICE).reserved, reserved)
    assertError(h, h.call(signed(ALICE), 'Proxy', 'proxy', { real: id(pure), force_proxy_type: undefined, call: transfer(1n) }), 'NotProxy')
  })

  it('error: Duplicate for a second create_pure with the same parameters in one extrinsic (another index is a new account); NoPermission for kill_pure with other parameters or from the spawner itself; CallFiltered for a non-Any proxy; InsufficientBalance', async () => {
    const h = await RuntimeHarness.create()
    h.startBlock()
    const height = h.number
    const create = (index: number, proxy_type = 'Any') => call('Proxy', 'create_pure', { proxy_type: type(proxy_type), delay: 0, index })
    assert.equal(h.call(signed(ALICE), 'Utility', 'batch', { calls: [create(0), create(1), create(0)] }), undefined)
    const events = h.endBlock()
    assert.equal(eventsNamed(events, 'PureCreated').length, 2)
    const interrupted = events.find((e) => e.method === 'BatchInterrupted')!
    assert.equal(Number(interrupted.data[0]), 2)
    assert.equal(h.runtime.registry.findMetaError((interrupted.data[1] as { asModule: never }).asModule).name, 'Duplicate')
    const [pure0, pure1] = [pureAccount(ALICE, 'Any', 0, height, 0), pureAccount(ALICE, 'Any', 1, height, 0)]
    assert.equal(Proxies.contains(h.state, pure0) && Proxies.contains(h.state, pure1), true)

    const kill = (fields: Partial<{ index: number; height: number; ext_index: number; proxy_type: string }>) =>
      call('Proxy', 'kill_pure', {
        spawner: id(ALICE),
        proxy_type: type(fields.proxy_type ?? 'Any'),
        index: fields.index ?? 0,
        height: fields.height ?? height,
        ext_index: fields.ext_index ?? 0,
      })
    for (const wrong of [{ height: height + 1 }, { ext_index: 1 }, { index: 1 }, { proxy_type: 'NonTransfer' }]) {
      assert.equal(h.call(signed(ALICE), 'Proxy', 'proxy', { real: id(pure0), force_proxy_type: undefined, call: kill(wrong) }), undefined)
      assert.equal(proxyResult(h, h.endBlock()), 'NoPermission', JSON.stringify(wrong))
    }
    assertError(h, h.call(signed(ALICE), 'Proxy', 'kill_pure', { spawner: id(ALICE), proxy_type: type('Any'), index: 0, height, ext_index: 0 }), 'NoPermission')
    assert.equal(Proxies.contains(h.state, pure0), true)

    // A pure account whose spawner is only a NonTransfer proxy cannot be killed by it (Substrate's do_proxy filter).
    h.endBlock()
    h.startBlock()
    const ntHeight = h.number
    assert.equal(h.call(signed(ALICE), 'Proxy', 'create_pure', { proxy_type: type('NonTransfer'), delay: 0, index: 0 }), undefined)
    const ntPure = pureAccount(ALICE, 'NonTransfer', 0, ntHeight, 0)
    const killNt = call('Proxy', 'kill_pure', { spawner: id(ALICE), proxy_type: type('NonTransfer'), index: 0, height: ntHeight, ext_index: 0 })
    assert.equal(h.call(signed(ALICE), 'Proxy', 'proxy', { real: id(ntPure), force_proxy_type: undefined, call: killNt }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(Proxies.contains(h.state, ntPure), true)

    const poor = new Uint8Array(32).fill(0xdd)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(poor), value: CRU }), undefined)
    assertError(h, h.call(signed(poor), 'Proxy', 'create_pure', { proxy_type: type('Any'), delay: 0, index: 0 }), 'InsufficientBalance')
  })
})

const CHARLIE = dev('Charlie')
const announcementsOf = (h: RuntimeHarness, who: Uint8Array) => {
  const [pending, deposit] = Announcements.get(h.state, who)
  return { pending: pending.map((a) => [u8aToHex(a.real), u8aToHex(a.call_hash), a.height]), deposit }
}
/** The call hash a wallet announces: blake2_256 of the call's SCALE bytes as @polkadot/types encodes them. */
const hashOf = (h: RuntimeHarness, c: RuntimeCallValue) => h.runtime.registry.createType('Call', h.runtime.encodeCall(c)).hash.toU8a()
const filled = (n: number) => new Uint8Array(32).fill(n)
const proxyAnnounced = (h: RuntimeHarness, sender: Uint8Array, delegate: Uint8Array, real: Uint8Array, inner: RuntimeCallValue) =>
  h.call(signed(sender), 'Proxy', 'proxy_announced', { delegate: id(delegate), real: id(real), force_proxy_type: undefined, call: inner })

// Expected behaviour from polkadot-sdk substrate/frame/proxy/src/lib.rs (`announce`, `remove_announcement`,
// `reject_announcement`, `proxy_announced`, `edit_announcements`, `rejig_deposit`) and its tests.rs
// (`announcement_works`, `reject_announcement_works`, `delayed_requires_pre_announcement`,
// `proxy_announced_removes_announcement_and_returns_deposit`, `calling_proxy_doesnt_remove_announcement`).
describe('proxy: announcements (delayed proxies)', () => {
  it('behavior: announce reserves deposit(1, 8) + deposit(0, 66) for the first pending announcement and deposit(0, 66) for each further one (rejig_deposit: base + factor × count); Announced { real, proxy, call_hash }', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(ANNOUNCEMENT_DEPOSIT_BASE, 10_008_000_000_000n, 'deposit(1, 8) = 1 × 10 CRU + 8 × 0.001 CRU')
    assert.equal(ANNOUNCEMENT_DEPOSIT_FACTOR, 66_000_000_000n, 'deposit(0, 66) = 66 × 0.001 CRU')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 2 }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Staking'), delay: 0 }), undefined)
    h.endBlock()
    const reserved = account(h, BOB).reserved
    h.startBlock()
    const height = h.number
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(1) }), undefined)
    assert.equal(account(h, BOB).reserved, reserved + ANNOUNCEMENT_DEPOSIT_BASE + ANNOUNCEMENT_DEPOSIT_FACTOR)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(CHARLIE), call_hash: filled(2) }), undefined)
    assert.equal(account(h, BOB).reserved, reserved + ANNOUNCEMENT_DEPOSIT_BASE + 2n * ANNOUNCEMENT_DEPOSIT_FACTOR)
    assert.deepEqual(announcementsOf(h, BOB), {
      pending: [
        [u8aToHex(ALICE), u8aToHex(filled(1)), height],
        [u8aToHex(CHARLIE), u8aToHex(filled(2)), height],
      ],
      deposit: ANNOUNCEMENT_DEPOSIT_BASE + 2n * ANNOUNCEMENT_DEPOSIT_FACTOR,
    })
    const announced = eventsNamed(h.endBlock(), 'Announced')
    assert.deepEqual(
      announced.map((e) => (e.data as Array<{ toU8a(): Uint8Array }>).map((d) => u8aToHex(d.toU8a()))),
      [
        [u8aToHex(ALICE), u8aToHex(BOB), u8aToHex(filled(1))],
        [u8aToHex(CHARLIE), u8aToHex(BOB), u8aToHex(filled(2))],
      ],
    )
    // `announcer_must_be_proxy`: Dave is nobody's proxy.
    assertError(h, h.call(signed(DAVE), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(1) }), 'NotProxy')
  })

  it('behavior: a delayed delegate cannot use plain proxy (Unannounced); proxy_announced fails before the delay has passed and for another call, succeeds from any sender once it has, runs the call as the real account, removes the announcement and releases its deposit', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 2 }), undefined)
    const inner = transfer(3n * CRU)
    assertError(h, h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: inner }), 'Unannounced')
    assertError(h, proxyAnnounced(h, DAVE, BOB, ALICE, inner), 'Unannounced')
    h.endBlock()
    const bobReserved = account(h, BOB).reserved
    h.startBlock()
    const announcedAt = h.number
    const hash = hashOf(h, inner)
    assert.equal(u8aToHex(hash), u8aToHex(blake2AsU8a(h.runtime.encodeCall(inner), 256)))
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: hash }), undefined)
    // now - height < delay for the announcement's block and the next one.
    for (const at of [announcedAt, announcedAt + 1]) {
      assert.equal(h.number, at)
      assertError(h, proxyAnnounced(h, DAVE, BOB, ALICE, inner), 'Unannounced')
      h.endBlock()
      h.startBlock()
    }
    assert.equal(h.number, announcedAt + 2)
    assertError(h, proxyAnnounced(h, DAVE, BOB, ALICE, transfer(4n * CRU)), 'Unannounced')
    assertError(h, h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: inner }), 'Unannounced')
    assert.equal(announcementsOf(h, BOB).pending.length, 1)
    const [alice, dave] = [account(h, ALICE).free, account(h, DAVE).free]
    assert.equal(proxyAnnounced(h, DAVE, BOB, ALICE, inner), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(account(h, ALICE).free, alice - 3n * CRU)
    assert.equal(account(h, DAVE).free, dave + 3n * CRU)
    assert.equal(Announcements.contains(h.state, BOB), false)
    assert.equal(account(h, BOB).reserved, bobReserved)
    // Used up: the same call again needs a new announcement.
    assertError(h, proxyAnnounced(h, DAVE, BOB, ALICE, inner), 'Unannounced')
  })

  it("behavior: proxy_announced removes only the announcement it runs and keeps the others' deposit share; plain proxy of a delegate without delay leaves an announcement in place", async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    const inner = transfer(CRU)
    const hash = hashOf(h, inner)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: hash }), undefined)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(CHARLIE), call_hash: hash }), undefined)
    const height = h.number
    h.endBlock()
    assert.equal(proxyAnnounced(h, DAVE, BOB, ALICE, inner), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.deepEqual(announcementsOf(h, BOB), {
      pending: [[u8aToHex(CHARLIE), u8aToHex(hash), height]],
      deposit: ANNOUNCEMENT_DEPOSIT_BASE + ANNOUNCEMENT_DEPOSIT_FACTOR,
    })

    // `calling_proxy_doesnt_remove_announcement`: a delegate without delay announces, then uses plain proxy.
    assert.equal(h.call(signed(DAVE), 'Proxy', 'add_proxy', { delegate: id(ALICE), proxy_type: type('Any'), delay: 0 }), undefined)
    const toBob = call('Balances', 'transfer_keep_alive', { dest: id(BOB), value: CRU })
    assert.equal(h.call(signed(ALICE), 'Proxy', 'announce', { real: id(DAVE), call_hash: hashOf(h, toBob) }), undefined)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'proxy', { real: id(DAVE), force_proxy_type: undefined, call: toBob }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(announcementsOf(h, ALICE).pending.length, 1)
  })

  it("behavior: reject_announcement by the real account removes the delegate's announcement and returns its deposit share to the delegate (also sent by a CancelProxy proxy); remove_announcement by the delegate; error: NotFound for another hash or account", async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    const reserved = account(h, BOB).reserved
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(1) }), undefined)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(CHARLIE), call_hash: filled(2) }), undefined)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(3) }), undefined)
    const height = h.number
    assertError(h, h.call(signed(ALICE), 'Proxy', 'reject_announcement', { delegate: id(BOB), call_hash: filled(0) }), 'NotFound')
    assertError(h, h.call(signed(DAVE), 'Proxy', 'reject_announcement', { delegate: id(BOB), call_hash: filled(1) }), 'NotFound')
    assertError(h, h.call(signed(ALICE), 'Proxy', 'reject_announcement', { delegate: id(BOB), call_hash: filled(2) }), 'NotFound')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'reject_announcement', { delegate: id(BOB), call_hash: filled(1) }), undefined)
    assert.deepEqual(announcementsOf(h, BOB), {
      pending: [
        [u8aToHex(CHARLIE), u8aToHex(filled(2)), height],
        [u8aToHex(ALICE), u8aToHex(filled(3)), height],
      ],
      deposit: ANNOUNCEMENT_DEPOSIT_BASE + 2n * ANNOUNCEMENT_DEPOSIT_FACTOR,
    })
    assert.equal(account(h, BOB).reserved, reserved + ANNOUNCEMENT_DEPOSIT_BASE + 2n * ANNOUNCEMENT_DEPOSIT_FACTOR)

    // Alice's CancelProxy proxy (Dave) rejects for her.
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('CancelProxy'), delay: 0 }), undefined)
    const reject = call('Proxy', 'reject_announcement', { delegate: id(BOB), call_hash: filled(3) })
    assert.equal(h.call(signed(DAVE), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: reject }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(announcementsOf(h, BOB).pending.length, 1)

    assertError(h, h.call(signed(BOB), 'Proxy', 'remove_announcement', { real: id(ALICE), call_hash: filled(2) }), 'NotFound')
    assert.equal(h.call(signed(BOB), 'Proxy', 'remove_announcement', { real: id(CHARLIE), call_hash: filled(2) }), undefined)
    assert.equal(Announcements.contains(h.state, BOB), false)
    assert.equal(account(h, BOB).reserved, reserved)
    assertError(h, h.call(signed(BOB), 'Proxy', 'remove_announcement', { real: id(CHARLIE), call_hash: filled(2) }), 'NotFound')
  })

  it('error: TooMany for the announcement after MaxPending (32) pending ones, which hold base + 32 × factor; InsufficientBalance when the delegate cannot reserve', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(MAX_PENDING, 32)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 5 }), undefined)
    const reserved = account(h, BOB).reserved
    for (let i = 0; i < MAX_PENDING; i++) assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(i) }), undefined)
    assertError(h, h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(99) }), 'TooMany')
    assert.equal(Announcements.get(h.state, BOB)[0].length, MAX_PENDING)
    assert.equal(account(h, BOB).reserved, reserved + ANNOUNCEMENT_DEPOSIT_BASE + 32n * ANNOUNCEMENT_DEPOSIT_FACTOR)

    const poor = new Uint8Array(32).fill(0xdd)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(poor), value: CRU }), undefined)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(poor), proxy_type: type('Any'), delay: 1 }), undefined)
    assert.equal(errorName(h, h.call(signed(poor), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(1) })), 'InsufficientBalance')
    assert.equal(Announcements.contains(h.state, poor), false)
  })

  it("behavior: as Substrate, remove_proxy / remove_proxies leave the delegate's announcements and their deposit in place; proxy_announced then fails with NotProxy; remove_announcement or reject_announcement still clears them", async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    const reserved = account(h, BOB).reserved
    const inner = transfer(CRU)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: hashOf(h, inner) }), undefined)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(CHARLIE), call_hash: hashOf(h, inner) }), undefined)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'remove_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Proxy', 'remove_proxies', {}), undefined)
    h.endBlock()
    h.endBlock()
    assert.equal(announcementsOf(h, BOB).pending.length, 2)
    assert.equal(account(h, BOB).reserved, reserved + ANNOUNCEMENT_DEPOSIT_BASE + 2n * ANNOUNCEMENT_DEPOSIT_FACTOR)
    assertError(h, proxyAnnounced(h, DAVE, BOB, ALICE, inner), 'NotProxy')
    assert.equal(h.call(signed(BOB), 'Proxy', 'remove_announcement', { real: id(ALICE), call_hash: hashOf(h, inner) }), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Proxy', 'reject_announcement', { delegate: id(BOB), call_hash: hashOf(h, inner) }), undefined)
    assert.equal(Announcements.contains(h.state, BOB), false)
    assert.equal(account(h, BOB).reserved, reserved)
  })

  it("behavior: proxy and proxy_announced take the carried call's dispatch class and weigh it plus their own (pallet_proxy's weight: `(…saturating_add(di.call_weight), di.class)`)", async () => {
    const h = await RuntimeHarness.create()
    const setCode = call('Swork', 'set_code', { new_code: Uint8Array.of(1), expire_block: 100 })
    const info = (c: RuntimeCallValue) => h.runtime.callInfo(c)
    const viaProxy = (inner: RuntimeCallValue) => call('Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: inner })
    const viaAnnounced = (inner: RuntimeCallValue) =>
      call('Proxy', 'proxy_announced', { delegate: id(BOB), real: id(ALICE), force_proxy_type: undefined, call: inner })
    for (const wrap of [viaProxy, viaAnnounced]) {
      assert.equal(info(wrap(setCode)).class, 'Operational')
      assert.equal(info(wrap(transfer(1n))).class, 'Normal')
      assert.equal(info(wrap(setCode)).weight - info(setCode).weight, info(wrap(transfer(1n))).weight - info(transfer(1n)).weight)
    }
  })
})

describe('proxy: announcement metadata', () => {
  it('behavior: the V14 metadata describes the announcement calls (6 to 9), Proxy.Announcements, MaxPending and the announcement deposits, and Announced (event 2)', async () => {
    const h = await RuntimeHarness.create()
    const md = h.runtime.registry.metadata
    const proxy = md.pallets.find((p) => p.name.toString() === 'Proxy')!
    const variants = (typeId: { toNumber(): number }) =>
      h.runtime.registry.lookup
        .getSiType(typeId as never)
        .def.asVariant.variants.map((v) => [v.name.toString(), v.index.toNumber(), v.fields.map((f) => f.name.unwrap().toString())])
    const calls = variants(proxy.calls.unwrap().type)
    assert.deepEqual(
      calls.filter(([, index]) => (index as number) >= 6),
      [
        ['announce', 6, ['real', 'call_hash']],
        ['remove_announcement', 7, ['real', 'call_hash']],
        ['reject_announcement', 8, ['delegate', 'call_hash']],
        ['proxy_announced', 9, ['delegate', 'real', 'force_proxy_type', 'call']],
      ],
    )
    assert.deepEqual(
      variants(proxy.events.unwrap().type).find(([name]) => name === 'Announced'),
      ['Announced', 2, ['real', 'proxy', 'call_hash']],
    )
    const constants = Object.fromEntries(
      proxy.constants.map((c) => [c.name.toString(), h.runtime.registry.createType(h.runtime.registry.lookup.getTypeDef(c.type).type, c.value).toString()]),
    )
    assert.deepEqual(
      [constants.MaxPending, constants.AnnouncementDepositBase, constants.AnnouncementDepositFactor],
      ['32', String(ANNOUNCEMENT_DEPOSIT_BASE), String(ANNOUNCEMENT_DEPOSIT_FACTOR)],
    )
    // The storage value decodes through the registry as (Vec<PalletProxyAnnouncement>, u128).
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 1 }), undefined)
    assert.equal(h.call(signed(BOB), 'Proxy', 'announce', { real: id(ALICE), call_hash: filled(7) }), undefined)
    const entry = proxy.storage.unwrap().items.find((i) => i.name.toString() === 'Announcements')!
    const valueType = h.runtime.registry.lookup.getTypeDef(entry.type.asMap.value).type
    const decoded = h.runtime.registry.createType(valueType, h.state.get(Announcements.key(BOB))!).toJSON() as [Array<Record<string, unknown>>, number]
    assert.deepEqual(decoded[0], [{ real: h.runtime.registry.createType('AccountId32', ALICE).toString(), callHash: u8aToHex(filled(7)), height: h.number }])
  })
})
