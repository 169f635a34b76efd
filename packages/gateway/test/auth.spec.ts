import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { u8aToHex, stringToU8a, u8aWrapBytes } from '@polkadot/util'
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto'
import { createW3Auth, encodeW3AuthToken, parseAuthorization, W3AuthError, type W3Auth } from '../src/auth/index.js'
import { ethAuth, ethKey, solAuth, solKey, subAuth, subKey } from './fixtures/w3auth-keys.js'

async function rejects(auth: W3Auth, header: string | undefined, reply: string) {
  await assert.rejects(auth.authenticate(header), (err: unknown) => {
    assert.ok(err instanceof W3AuthError)
    assert.equal(err.reply, reply)
    return true
  })
}

describe('W3Auth', () => {
  let auth: W3Auth
  before(async () => {
    await cryptoWaitReady()
    auth = createW3Auth()
  })

  describe('substrate', () => {
    for (const type of ['sr25519', 'ed25519', 'ecdsa'] as const) {
      it(`behavior: accepts a ${type} signature of the address under every alias and scheme`, async () => {
        const pair = subKey('//Bob', type)
        for (const chain of ['sub', 'substrate', 'crust', 'cru', 'CRU']) {
          for (const scheme of ['Basic', 'Bearer']) {
            const id = await auth.authenticate(subAuth(pair, scheme, chain))
            // One key, one account: the account id (public key) in hex, whatever the address's SS58 prefix.
            assert.deepEqual(id, { chainType: 'substrate', address: pair.address, account: `substrate-${u8aToHex(decodeAddress(pair.address))}` })
          }
        }
      })
    }
    it('behavior: accepts the polkadot-extension <Bytes>-wrapped signature', async () => {
      const pair = subKey('//Charlie')
      const sig = u8aToHex(pair.sign(u8aWrapBytes(stringToU8a(pair.address))))
      const id = await auth.authenticate(`Basic ${encodeW3AuthToken('substrate', pair.address, sig)}`)
      assert.equal(id.address, pair.address)
    })
    it('behavior: a token without a chain type is substrate', async () => {
      const pair = subKey('//Dave')
      const token = Buffer.from(`${pair.address}:${u8aToHex(pair.sign(pair.address))}`).toString('base64')
      assert.equal((await auth.authenticate(`Basic ${token}`)).chainType, 'substrate')
    })
    it('error: a wrong signature is Invalid Signature', async () => {
      const pair = subKey('//Bob')
      await rejects(auth, `Basic ${encodeW3AuthToken('sub', pair.address, u8aToHex(pair.sign('something else')))}`, 'Invalid Signature')
    })
    it("error: another address's signature is Invalid Signature", async () => {
      const bob = subKey('//Bob')
      const eve = subKey('//Eve')
      await rejects(auth, `Basic ${encodeW3AuthToken('sub', bob.address, u8aToHex(eve.sign(eve.address)))}`, 'Invalid Signature')
      await rejects(auth, `Basic ${encodeW3AuthToken('sub', bob.address, u8aToHex(eve.sign(bob.address)))}`, 'Invalid Signature')
    })
    it('error: a garbage address or signature is Invalid Signature', async () => {
      await rejects(auth, `Basic ${encodeW3AuthToken('sub', 'not-an-address', '0x00')}`, 'Invalid Signature')
      await rejects(auth, `Basic ${encodeW3AuthToken('sub', subKey('//Bob').address, 'zz')}`, 'Invalid Signature')
    })
  })

  describe('ethereum', () => {
    it('behavior: accepts an EIP-191 personal_sign of the address under every alias, any address case', async () => {
      const key = ethKey()
      for (const chain of ['eth', 'ethereum', 'pol', 'polygon']) {
        const id = await auth.authenticate(ethAuth(key, 'Bearer', chain))
        assert.equal(id.chainType, 'ethereum')
        assert.equal(id.account, `ethereum-${key.address.toLowerCase()}`)
      }
      const lower = key.address.toLowerCase()
      assert.equal((await auth.authenticate(`Basic ${encodeW3AuthToken('eth', lower, key.sign(lower))}`)).account, `ethereum-${lower}`)
    })
    it('behavior: accepts the MyEtherWallet form (the address bytes signed)', async () => {
      const key = ethKey()
      const sig = key.sign(Buffer.from(key.address.slice(2), 'hex'))
      assert.equal((await auth.authenticate(`Basic ${encodeW3AuthToken('eth', key.address, sig)}`)).chainType, 'ethereum')
    })
    it('error: a wrong signature is Invalid Signature', async () => {
      const key = ethKey()
      await rejects(auth, `Bearer ${encodeW3AuthToken('eth', key.address, key.sign('hello'))}`, 'Invalid Signature')
    })
    it("error: another address's signature is Invalid Signature", async () => {
      const a = ethKey()
      const b = ethKey()
      await rejects(auth, `Bearer ${encodeW3AuthToken('eth', a.address, b.sign(b.address))}`, 'Invalid Signature')
      await rejects(auth, `Bearer ${encodeW3AuthToken('eth', a.address, b.sign(a.address))}`, 'Invalid Signature')
    })
  })

  describe('solana', () => {
    it('behavior: accepts an ed25519 signature of the base58 address under every alias', async () => {
      const key = solKey()
      for (const chain of ['sol', 'solana', 'near']) {
        assert.deepEqual(await auth.authenticate(solAuth(key, 'Bearer', chain)), {
          chainType: 'solana',
          address: key.address,
          account: `solana-${key.address}`,
        })
      }
    })
    it('error: a wrong signature is Invalid Signature', async () => {
      const key = solKey()
      await rejects(auth, `Bearer ${encodeW3AuthToken('sol', key.address, key.sign('other'))}`, 'Invalid Signature')
    })
    it("error: another address's signature is Invalid Signature", async () => {
      const a = solKey()
      const b = solKey()
      await rejects(auth, `Bearer ${encodeW3AuthToken('sol', a.address, b.sign(a.address))}`, 'Invalid Signature')
    })
  })

  describe('header handling', () => {
    it('error: no header, an empty header or another scheme is Empty Signature', async () => {
      await rejects(auth, undefined, 'Empty Signature')
      await rejects(auth, '', 'Empty Signature')
      await rejects(auth, 'Token abc', 'Empty Signature')
      await rejects(auth, 'Basic ', 'Empty Signature')
    })
    it('error: an empty signature is Empty Signature', async () => {
      await rejects(auth, `Basic ${Buffer.from(`sub-${subKey('//Bob').address}:`).toString('base64')}`, 'Empty Signature')
    })
    it('error: malformed base64 or no colon is Invalid Signature', async () => {
      await rejects(auth, 'Basic !!!not*base64', 'Invalid Signature')
      await rejects(auth, 'Basic a', 'Invalid Signature')
      await rejects(auth, `Basic ${Buffer.from('sub-nocolon').toString('base64')}`, 'Invalid Signature')
    })
    it('error: an unknown chain type is Unsupported web3 signature', async () => {
      const pair = subKey('//Bob')
      await rejects(auth, subAuth(pair, 'Basic', 'bitcoin'), 'Unsupported web3 signature')
    })
    it('behavior: verified tokens are cached, but only under a W3Auth scheme; cacheSize 0 disables it', async () => {
      const pair = subKey('//Ferdie')
      const header = subAuth(pair)
      assert.equal((await auth.authenticate(header)).address, pair.address)
      assert.equal((await auth.authenticate(header.replace('Bearer', 'Basic'))).address, pair.address)
      await rejects(auth, header.replace('Bearer', 'Token'), 'Empty Signature')
      let calls = 0
      for (const [size, expected] of [
        [10, 1],
        [0, 3],
      ] as const) {
        calls = 0
        const counting = createW3Auth({ cacheSize: size })
        counting.registerVerifier(['cnt'], () => {
          calls++
          return true
        })
        for (let i = 0; i < 3; i++) await counting.authenticate(`Basic ${Buffer.from('cnt-a:b').toString('base64')}`)
        assert.equal(calls, expected)
      }
    })
    it('behavior: registerVerifier adds a chain type', async () => {
      const custom = createW3Auth()
      custom.registerVerifier(['test', 'tst'], ({ address, signature, txMsg }) => signature === `${address}!${txMsg ?? ''}`)
      const id = await custom.authenticate(`Basic ${Buffer.from('tst-abc-memo:abc!memo').toString('base64')}`)
      assert.deepEqual(id, { chainType: 'test', address: 'abc', account: 'test-abc' })
      await rejects(custom, `Basic ${Buffer.from('tst-abc:nope').toString('base64')}`, 'Invalid Signature')
    })
    it('behavior: parseAuthorization splits chain type, address, extra segment and signature', () => {
      assert.deepEqual(parseAuthorization(`Bearer ${Buffer.from('XX-addr-msg:sig').toString('base64')}`), {
        chainType: 'xx',
        address: 'addr',
        signature: 'sig',
        txMsg: 'msg',
        message: 'addr',
      })
      assert.deepEqual(parseAuthorization(`Bearer ${Buffer.from('sub-addr:sig:1700000000').toString('base64')}`), {
        chainType: 'sub',
        address: 'addr',
        signature: 'sig',
        expiry: 1700000000,
        message: 'addr:1700000000',
      })
    })
  })
})
