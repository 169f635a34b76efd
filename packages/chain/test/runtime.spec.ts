/** The runtime's generated metadata and codecs, checked against @polkadot/types' own decoding. */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { TypeRegistry } from '@polkadot/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import fc from 'fast-check'
import { decodeHeader, encodeHeader, hashHeader, headerToJson } from '../src/primitives/header.js'
import { Account } from '../src/pallets/system.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { eraBirth, readEra } from '../src/primitives/era.js'
import { decodeExtrinsic, ExtrinsicFormatError, signingPayload, verifySignature } from '../src/frame/extrinsic.js'
import { encodeCompact, readCompact } from '../src/primitives/compact.js'
import { OverlayState } from '../src/frame/overlay.js'
import { Runtime } from '../src/runtime/runtime.js'

describe('runtime', () => {
  let runtime: Runtime
  before(async () => {
    await cryptoWaitReady()
    runtime = new Runtime(defaultRuntimeConfig)
  })

  it('behavior: metadata v14 decodes in @polkadot/types with every pallet, call, event, error and constant', () => {
    const md = runtime.registry.metadata
    const pallets = md.pallets.map((p) => p.name.toString())
    assert.deepEqual(pallets, [
      'System',
      'Timestamp',
      'Balances',
      'TransactionPayment',
      'Sudo',
      'Swork',
      'Market',
      'Benefits',
      'Staking',
      'Session',
      'Offences',
      'ImOnline',
      'Treasury',
      'Utility',
      'Identity',
      'Multisig',
      'Proxy',
      'Challenges',
    ])
    const storageOf = (pallet: string) =>
      md.pallets
        .find((p) => p.name.eq(pallet))!
        .storage.unwrap()
        .items.map((i) => i.name.toString())
    assert.ok(storageOf('Swork').includes('PubKeyOwner'))
    assert.ok(storageOf('Staking').includes('ErasAuthorities'))
    assert.deepEqual(storageOf('Offences'), ['Reports', 'ConcurrentReportsIndex'])
    assert.deepEqual(storageOf('ImOnline'), ['HeartbeatAfter', 'Keys', 'ReceivedHeartbeats', 'AuthoredBlocks'])
    for (const item of ['QueuedKeys', 'NextKeys', 'KeyOwner']) assert.ok(storageOf('Session').includes(item), item)
    // Crust's indices: Session.set_keys is call 0 of pallet 9 (ours), ImOnline.heartbeat call 0 of pallet 12.
    assert.equal(runtime.registry.findMetaCall(Uint8Array.of(9, 0)).method, 'setKeys')
    assert.equal(runtime.registry.findMetaCall(Uint8Array.of(12, 0)).method, 'heartbeat')
    assert.deepEqual(storageOf('Identity'), ['IdentityOf', 'SuperOf', 'SubsOf', 'Registrars'])
    assert.deepEqual(storageOf('Treasury'), ['ProposalCount', 'Proposals', 'Approvals'])
    // Crust's pallet indices (crustio/crust runtime/src/lib.rs construct_runtime!: Treasury 15th, Identity 24th from 0).
    assert.deepEqual(
      ['Treasury', 'Identity'].map((name) => md.pallets.find((p) => p.name.eq(name))!.index.toNumber()),
      [15, 24],
    )
    const balances = md.pallets.find((p) => p.name.eq('Balances'))!
    assert.ok(balances.calls.isSome)
    const call = runtime.registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: '0x' + '11'.repeat(32) }, value: 7 } })
    assert.equal(`${call.section}.${call.method}`, 'balances.transferKeepAlive')
    assert.equal(runtime.registry.findMetaError(Uint8Array.of(2, 2)).name, 'InsufficientBalance')
  })

  it('behavior: our call codec and @polkadot/types agree on call bytes, including nested sudo calls', () => {
    const inner = runtime.registry.createType('Call', { callIndex: [2, 0], args: { dest: { Id: '0x' + 'ab'.repeat(32) }, value: 10n ** 20n } })
    const outer = runtime.registry.createType('Call', { callIndex: [4, 0], args: { call: inner } })
    const decoded = runtime.decodeCall(outer.toU8a())
    assert.equal(decoded.tag, 'Sudo')
    assert.equal(u8aToHex(runtime.encodeCall(decoded)), outer.toHex())
  })

  it('error: a call with trailing bytes or an unknown index does not decode', () => {
    const call = runtime.registry.createType('Call', { callIndex: [0, 0], args: { remark: '0x01' } }).toU8a()
    assert.throws(() => runtime.decodeCall(Uint8Array.of(...call, 0)))
    assert.throws(() => runtime.decodeCall(Uint8Array.of(99, 0)))
    assert.throws(() => runtime.decodeCall(Uint8Array.of(2, 77)))
  })

  it('behavior: AccountInfo encodes as the 80 bytes the client decodes', () => {
    const state = new OverlayState(() => undefined)
    const who = new Uint8Array(32).fill(7)
    Account.insert(state, who, { nonce: 5, consumers: 0, providers: 1, sufficients: 0, data: { free: 123n, reserved: 4n, frozen: 0n, flags: 0n } })
    const raw = state.get(Account.key(who))!
    assert.equal(raw.length, 80)
    const viaClient = runtime.registry.createType('FrameSystemAccountInfo', raw)
    assert.equal((viaClient.toJSON() as { nonce: number }).nonce, 5)
    assert.equal((viaClient as unknown as { data: { free: { toBigInt(): bigint } } }).data.free.toBigInt(), 123n)
    assert.equal(u8aToHex(Account.key(who)).slice(0, 66), '0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9')
  })

  it('behavior: header hash equals @polkadot/types Header hash', () => {
    const header = {
      parentHash: new Uint8Array(32).fill(1),
      number: 1234,
      stateRoot: new Uint8Array(32).fill(2),
      extrinsicsRoot: new Uint8Array(32).fill(3),
      digest: [],
    }
    const bytes = encodeHeader(header)
    const pjs = new TypeRegistry().createType('Header', headerToJson(header))
    assert.equal(u8aToHex(hashHeader(bytes)), pjs.hash.toHex())
    assert.deepEqual(decodeHeader(bytes).number, 1234)
  })

  it('behavior: a client-signed extrinsic decodes, and its payload verifies for sr25519, ed25519 and ecdsa', () => {
    const genesis = new Uint8Array(32).fill(9)
    for (const type of ['sr25519', 'ed25519', 'ecdsa'] as const) {
      const pair = new Keyring({ type }).addFromUri('//Alice')
      const call = runtime.registry.createType('Call', { callIndex: [0, 0], args: { remark: '0x' + 'aa'.repeat(type === 'ed25519' ? 300 : 3) } })
      const xt = runtime.registry.createType('Extrinsic', call)
      xt.sign(pair, {
        blockHash: genesis,
        genesisHash: genesis,
        nonce: 3,
        runtimeVersion: runtime.registry.createType('RuntimeVersion', runtime.version),
        era: 0,
        tip: 5,
      } as never)
      const decoded = decodeExtrinsic(runtime, xt.toU8a())
      assert.equal(u8aToHex(decoded.hash), xt.hash.toHex())
      assert.equal(decoded.signed!.nonce, 3)
      assert.equal(decoded.signed!.tip, 5n)
      assert.equal(decoded.signed!.scheme, type)
      assert.ok(verifySignature(decoded.signed!, signingPayload(runtime, decoded, genesis, genesis)), type)
      assert.ok(!verifySignature(decoded.signed!, signingPayload(runtime, decoded, genesis, new Uint8Array(32))), `${type} wrong birth hash`)
    }
  })

  it('error: malformed extrinsics are format errors', () => {
    for (const bad of [Uint8Array.of(), Uint8Array.of(8, 0x84), Uint8Array.of(4, 0x05, 0, 0), Uint8Array.of(12, 0x04, 0, 0)]) {
      assert.throws(() => decodeExtrinsic(runtime, bad), ExtrinsicFormatError)
    }
  })

  it('property: compact encoding round-trips and matches @polkadot/types', () => {
    const registry = new TypeRegistry()
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => {
        const enc = encodeCompact(v)
        assert.equal(u8aToHex(enc), u8aToHex(registry.createType('Compact<u128>', v).toU8a()))
        const back = readCompact(enc, 0)!
        assert.equal(back.value, v)
        assert.equal(back.length, enc.length)
      }),
    )
  })

  it('property: mortal era parsing and birth agree with @polkadot/types', () => {
    const registry = new TypeRegistry()
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 65536 }), fc.integer({ min: 0, max: 10_000_000 }), (period, current) => {
        const bytes = registry.createType('ExtrinsicEra', { current, period }).toU8a()
        // Compare with the client's reading of the same bytes (the phase is quantized for long periods).
        const era = registry.createType('ExtrinsicEra', bytes)
        const mine = readEra(bytes, 0)!
        assert.equal(eraBirth(mine.era, current), Number(era.asMortalEra.birth(current)))
      }),
    )
  })
})
