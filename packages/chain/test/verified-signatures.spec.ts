/** The node's record of checked transaction signatures: a hit needs the same extrinsic bytes and the same signed payload. */
import assert from 'node:assert/strict'
import { describe, it, before } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { type DecodedExtrinsic, decodeExtrinsic, type SignedPart, signingPayload } from '../src/frame/extrinsic.js'
import { VerifiedSignatures } from '../src/frame/verified-signatures.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'

type Signed = DecodedExtrinsic & { signed: SignedPart }

describe('VerifiedSignatures', () => {
  let runtime: Runtime
  let keyring: Keyring
  const genesis = new Uint8Array(32).fill(1)
  const otherBlock = new Uint8Array(32).fill(2)

  before(async () => {
    await cryptoWaitReady()
    runtime = new Runtime(defaultRuntimeConfig)
    keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  })

  function transfer(nonce: number): Signed {
    const registry = runtime.registry
    const call = registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: u8aToHex(keyring.addFromUri('//Ferdie').publicKey) }, value: 1_000n } })
    const xt = registry.createType('Extrinsic', call)
    xt.sign(keyring.addFromUri('//Bob'), {
      blockHash: genesis,
      genesisHash: genesis,
      nonce,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    return decodeExtrinsic(runtime, xt.toU8a()) as Signed
  }

  /** `xt` with one byte of its signature flipped (so other bytes, another hash). */
  function forge(xt: Signed): Signed {
    const bytes = Uint8Array.from(xt.bytes)
    bytes[xt.signed.signature.byteOffset - xt.bytes.byteOffset + 5]! ^= 0x01
    return decodeExtrinsic(runtime, bytes) as Signed
  }

  const payloadOf = (xt: Signed, birth = genesis) => signingPayload(runtime, xt, genesis, birth)

  it('behavior: a valid signature is checked once, then answered from the record', () => {
    const cache = new VerifiedSignatures()
    const xt = transfer(0)
    assert.equal(cache.verify(xt, payloadOf(xt)), true)
    assert.equal(cache.hits, 0)
    assert.equal(cache.verify(xt, payloadOf(xt)), true)
    assert.equal(cache.hits, 1)
    assert.equal(cache.size, 1)
  })

  it('error: a forged copy of a recorded transaction is refused, and bad signatures are never recorded', () => {
    const cache = new VerifiedSignatures()
    const xt = transfer(0)
    assert.equal(cache.verify(xt, payloadOf(xt)), true)
    const forged = forge(xt)
    assert.notEqual(u8aToHex(forged.hash), u8aToHex(xt.hash))
    assert.equal(cache.verify(forged, payloadOf(forged)), false)
    assert.equal(cache.verify(forged, payloadOf(forged)), false)
    assert.equal(cache.hits, 0)
    assert.equal(cache.size, 1)
  })

  it('error: the same bytes against another payload (another birth block, as on another fork) are checked again and refused', () => {
    const cache = new VerifiedSignatures()
    const xt = transfer(0)
    assert.equal(cache.verify(xt, payloadOf(xt)), true)
    assert.equal(cache.verify(xt, payloadOf(xt, otherBlock)), false)
    assert.equal(cache.hits, 0)
  })

  it('limit: past its capacity the oldest entry leaves (checked for real again)', () => {
    const cache = new VerifiedSignatures(2)
    const [a, b, c] = [transfer(0), transfer(1), transfer(2)]
    for (const xt of [a, b, c]) assert.equal(cache.verify(xt, payloadOf(xt)), true)
    assert.equal(cache.size, 2)
    assert.equal(cache.verify(c, payloadOf(c)), true)
    assert.equal(cache.hits, 1)
    assert.equal(cache.verify(a, payloadOf(a)), true)
    assert.equal(cache.hits, 1, 'the oldest entry was evicted, so it is a miss')
  })
})
