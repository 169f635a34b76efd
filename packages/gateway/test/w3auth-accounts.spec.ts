/**
 * W3Auth hardening against a real gateway and IPFS daemon: one key is one account (a substrate
 * key under SS58 66, 42, 0 or as hex shares one quota), and the opt-in expiring token form.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { createW3Auth, encodeW3AuthToken, expiringMessage, W3AuthError } from '../src/auth/index.js'
import { createW3AuthGateway, type W3AuthGateway } from '../src/gateway/index.js'
import { startTestIpfs, type TestIpfs } from './fixtures/ipfs.js'
import { ethKey, solKey, subKey } from './fixtures/w3auth-keys.js'

function addForm(bytes: Uint8Array): FormData {
  const form = new FormData()
  form.append('file', new Blob([bytes]), 'file')
  return form
}

/** `Bearer` token of a substrate key whose address is written under `prefix` (or as hex). */
function subAuthAs(uri: string, prefix: number | 'hex'): string {
  const pair = new Keyring({ type: 'sr25519', ss58Format: prefix === 'hex' ? 42 : prefix }).addFromUri(uri)
  const address = prefix === 'hex' ? u8aToHex(pair.publicKey) : pair.address
  return `Bearer ${encodeW3AuthToken('sub', address, u8aToHex(pair.sign(address)))}`
}

/** An expiring substrate token: the signature covers `<address>:<expiry>`. */
function expiringSubAuth(uri: string, expiry: number): string {
  const pair = subKey(uri)
  return `Bearer ${encodeW3AuthToken('sub', pair.address, u8aToHex(pair.sign(expiringMessage(pair.address, expiry))), expiry)}`
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

describe('W3Auth: one key, one account', () => {
  before(async () => {
    await cryptoWaitReady()
  })

  it('behavior: a substrate key under SS58 66, 42, 0 and hex is one account, its public key', async () => {
    const auth = createW3Auth()
    const pair = subKey('//Bob')
    const accounts = new Set<string>()
    for (const prefix of [66, 42, 0, 'hex'] as const) accounts.add((await auth.authenticate(subAuthAs('//Bob', prefix))).account)
    assert.deepEqual([...accounts], [`substrate-${u8aToHex(pair.publicKey)}`])
    assert.notEqual((await auth.authenticate(subAuthAs('//Charlie', 42))).account, `substrate-${u8aToHex(pair.publicKey)}`)
  })

  it('behavior: an expiring token is accepted before its expiry, cached, and refused from then on (Expired Signature)', async () => {
    let now = Date.UTC(2030, 0, 1)
    const auth = createW3Auth({ now: () => now })
    const expiry = now / 1000 + 60
    const header = expiringSubAuth('//Dave', expiry)
    const id = await auth.authenticate(header)
    assert.equal(id.expiresAt, expiry)
    assert.equal(id.account, `substrate-${u8aToHex(subKey('//Dave').publicKey)}`)
    now += 59_000
    assert.equal((await auth.authenticate(header)).expiresAt, expiry, 'still valid (from the cache)')
    now += 1000
    await assert.rejects(
      auth.authenticate(header),
      (err: unknown) => err instanceof W3AuthError && err.code === 'W3AUTH_EXPIRED' && err.reply === 'Expired Signature',
    )
    await assert.rejects(auth.authenticate(header), { code: 'W3AUTH_EXPIRED' })
  })

  it('error: an expiring token whose expiry was changed or dropped is Invalid Signature', async () => {
    const auth = createW3Auth()
    const pair = subKey('//Eve')
    const expiry = nowSeconds() - 10
    const sig = u8aToHex(pair.sign(expiringMessage(pair.address, expiry)))
    for (const header of [
      `Bearer ${encodeW3AuthToken('sub', pair.address, sig, expiry + 3600)}`,
      `Bearer ${encodeW3AuthToken('sub', pair.address, sig)}`,
      `Bearer ${Buffer.from(`sub-${pair.address}:${sig}:soon`).toString('base64')}`,
    ]) {
      await assert.rejects(auth.authenticate(header), (err: unknown) => err instanceof W3AuthError && err.reply === 'Invalid Signature')
    }
    // A Crust token (signature over the address) with an expiry appended does not verify either.
    const crust = u8aToHex(pair.sign(pair.address))
    await assert.rejects(auth.authenticate(`Bearer ${encodeW3AuthToken('sub', pair.address, crust, nowSeconds() + 3600)}`), { reply: 'Invalid Signature' })
  })

  it('behavior: ethereum and solana keys sign the expiring message the same way', async () => {
    const auth = createW3Auth()
    const expiry = nowSeconds() + 3600
    const eth = ethKey()
    const sol = solKey()
    assert.equal(
      (await auth.authenticate(`Bearer ${encodeW3AuthToken('eth', eth.address, eth.sign(expiringMessage(eth.address, expiry)), expiry)}`)).expiresAt,
      expiry,
    )
    assert.equal(
      (await auth.authenticate(`Bearer ${encodeW3AuthToken('sol', sol.address, sol.sign(expiringMessage(sol.address, expiry)), expiry)}`)).expiresAt,
      expiry,
    )
    const past = nowSeconds() - 1
    await assert.rejects(auth.authenticate(`Bearer ${encodeW3AuthToken('eth', eth.address, eth.sign(expiringMessage(eth.address, past)), past)}`), {
      code: 'W3AUTH_EXPIRED',
    })
  })
})

describe('W3Auth gateway: accounts and expiring tokens (real IPFS daemon, HTTP)', () => {
  let ipfs: TestIpfs
  const gateways: W3AuthGateway[] = []

  before(async () => {
    await cryptoWaitReady()
    ipfs = await startTestIpfs()
  })
  after(async () => {
    for (const gw of gateways) await gw.stop()
    await ipfs?.stop()
  })

  async function gateway(quota?: number): Promise<W3AuthGateway> {
    const gw = createW3AuthGateway({
      ipfsApi: ipfs.api,
      ipfsGateway: ipfs.gateway,
      port: 0,
      ...(quota === undefined ? {} : { quotas: { uploadBytesPerDay: quota } }),
    })
    await gw.start()
    gateways.push(gw)
    return gw
  }

  it('error: the same key signed under SS58 66 and 42 counts against one quota (429)', async () => {
    const gw = await gateway(100_000)
    const post = (authorization: string, fill: number) =>
      fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization }, body: addForm(new Uint8Array(60_000).fill(fill)) })
    const first = await post(subAuthAs('//Ferdie', 66), 1)
    assert.equal(first.status, 200)
    await first.arrayBuffer()
    const second = await post(subAuthAs('//Ferdie', 42), 2)
    assert.equal(second.status, 429, 'the 42 address is the same account')
    assert.deepEqual(await second.json(), { Error: 'Upload quota exceeded' })
    const hex = await post(subAuthAs('//Ferdie', 'hex'), 3)
    assert.equal(hex.status, 429, 'and so is the hex public key')
    await hex.arrayBuffer()
    const other = await post(subAuthAs('//Charlie', 42), 4)
    assert.equal(other.status, 200, 'another key has its own quota')
    await other.arrayBuffer()
  })

  it('error: an expired token is 401 with a JSON error; an unexpired one is 200; Crust tokens still work', async () => {
    const gw = await gateway()
    const version = (authorization: string) => fetch(`${gw.url}/api/v0/version`, { method: 'POST', headers: { authorization } })
    const expired = await version(expiringSubAuth('//Alice', nowSeconds() - 1))
    assert.equal(expired.status, 401)
    assert.match(expired.headers.get('content-type') ?? '', /application\/json/)
    assert.deepEqual(await expired.json(), { Error: 'Expired Signature' })
    const valid = await version(expiringSubAuth('//Alice', nowSeconds() + 3600))
    assert.equal(valid.status, 200)
    assert.ok(typeof ((await valid.json()) as { Version?: string }).Version === 'string')
    const crust = await version(subAuthAs('//Alice', 66))
    assert.equal(crust.status, 200)
    await crust.arrayBuffer()
  })
})
