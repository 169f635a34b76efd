import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { u8aToHex } from '@polkadot/util'
import { encodeAddress, mnemonicGenerate } from '@polkadot/util-crypto'
import { decodeKeystore, encodeKeystore, loadSigner, pairFromSuri, parseKeystore, SdkError } from '../src/index.js'

const code = (c: string) => (err: unknown) => err instanceof SdkError && err.code === c

describe('signers and keystores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-sdk-signer-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('behavior: //Alice is the known dev account with SS58 prefix 66', async () => {
    const alice = await loadSigner({ suri: '//Alice' })
    assert.equal(alice.type, 'sr25519')
    assert.equal(u8aToHex(alice.publicKey), '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d')
    assert.equal(alice.address, encodeAddress(alice.publicKey, 66))
  })

  it('behavior: a keystore round trip (dev URI and mnemonic) signs as the original key', async () => {
    for (const suri of ['//Alice', mnemonicGenerate(12)]) {
      const pair = await pairFromSuri(suri)
      const json = encodeKeystore(pair, 'correct horse')
      assert.ok(!JSON.stringify(json).includes(suri), 'the secret does not appear in the keystore')
      assert.deepEqual(json.encoding.type, ['scrypt', 'xsalsa20-poly1305'])
      const file = join(dir, `${pair.address}.json`)
      writeFileSync(file, JSON.stringify(json))
      const passwordFile = join(dir, 'pw')
      writeFileSync(passwordFile, 'correct horse\n')
      const loaded = await loadSigner({ keystore: file, passwordFile })
      assert.equal(loaded.address, pair.address)
      const message = new TextEncoder().encode('order')
      assert.ok(pair.verify(message, loaded.sign(message), loaded.publicKey))
    }
  })

  it('error: a wrong password is SDK_ERROR_BAD_PASSWORD, a missing one SDK_ERROR_NO_PASSWORD', async () => {
    const json = encodeKeystore(await pairFromSuri('//Bob'), 'secret')
    await assert.rejects(decodeKeystore(json, 'Secret'), code('SDK_ERROR_BAD_PASSWORD'))
    await assert.rejects(decodeKeystore(json), code('SDK_ERROR_NO_PASSWORD'))
    const file = join(dir, 'bob.json')
    writeFileSync(file, JSON.stringify(json))
    await assert.rejects(loadSigner({ keystore: file, password: 'wrong' }), code('SDK_ERROR_BAD_PASSWORD'))
    await assert.rejects(loadSigner({ keystore: file, passwordFile: join(dir, 'missing') }), code('SDK_ERROR_NO_PASSWORD'))
  })

  it('error: bad secret URIs, non-keystore files and no account are refused', async () => {
    await assert.rejects(loadSigner({ suri: 'not a real phrase at all' }), code('SDK_ERROR_BAD_SURI'))
    await assert.rejects(loadSigner({ suri: '0x1234' }), code('SDK_ERROR_BAD_SURI'))
    await assert.rejects(loadSigner({}), code('SDK_ERROR_NO_ACCOUNT'))
    await assert.rejects(loadSigner({ keystore: join(dir, 'nope.json'), password: 'x' }), code('SDK_ERROR_BAD_KEYSTORE'))
    assert.throws(() => parseKeystore('{"a":1}'), code('SDK_ERROR_BAD_KEYSTORE'))
    assert.throws(() => parseKeystore('nope'), code('SDK_ERROR_BAD_KEYSTORE'))
    assert.throws(() => encodeKeystore({} as never, ''), code('SDK_ERROR_NO_PASSWORD'))
  })

  it('error: a failing secret URI never appears in the error', async () => {
    const phrase = 'legal winner thank year wave sausage worth useful legal winner thank yellow extra'
    const err = await loadSigner({ suri: phrase }).then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.ok(err instanceof SdkError)
    assert.ok(!err.message.includes('sausage'))
  })
})
