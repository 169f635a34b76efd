/**
 * The node's keystore and Substrate's keystore RPCs (author_rotateKeys, author_insertKey,
 * author_hasKey, author_hasSessionKeys) on a real RPC server: key files 0600 in a 0700 folder,
 * secrets never in a reply, and the methods answered for loopback peers only (Substrate's
 * "RPC call is unsafe to be called externally", -32601, for others).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, mnemonicGenerate, signatureVerify } from '@polkadot/util-crypto'
import { registerAuthorKeysApi, UNSAFE_RPC_CODE, UNSAFE_RPC_MESSAGE } from '../src/node/api/author-keys-api.js'
import { Keystore } from '../src/node/keystore/index.js'
import { RpcServer } from '../src/node/rpc/index.js'
import { decodeSessionKeys, KEY_TYPES, SESSION_KEY_NAMES } from '../src/pallets/staking/index.js'

const silent = { warn: () => {}, debug: () => {} }

function post(host: string, port: number, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, method: 'POST', path: '/', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve(JSON.parse(text)))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** This machine's first non-loopback IPv4 address, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  return undefined
}

describe('keystore and author key RPCs', () => {
  let dir: string
  let server: RpcServer
  let port: number
  let keystore: Keystore

  before(async () => {
    await cryptoWaitReady()
    dir = mkdtempSync(join(tmpdir(), 'crust-keystore-'))
    keystore = Keystore.open(dir)
    server = new RpcServer({ host: '0.0.0.0', port: 0, logger: silent })
    registerAuthorKeysApi(server, keystore)
    port = (await server.start()).port
  })

  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: author_rotateKeys makes four sr25519 keys on disk (0600 files, 0700 folder) that sign, and hasSessionKeys/hasKey find them after a reopen', async () => {
    const reply = await post('127.0.0.1', port, 'author_rotateKeys', [])
    assert.equal(reply.error, undefined)
    const encoded = reply.result as string
    const keys = decodeSessionKeys(Buffer.from(encoded.slice(2), 'hex'))!
    assert.ok(keys !== undefined, 'SCALE SessionKeys: 4 × 32 bytes')
    const folder = join(dir, 'keystore')
    assert.equal(statSync(folder).mode & 0o777, 0o700)
    const files = readdirSync(folder)
    assert.equal(files.length, 4)
    for (const f of files) assert.equal(statSync(join(folder, f)).mode & 0o777, 0o600, f)
    assert.ok(files.includes(Buffer.from('aura').toString('hex') + u8aToHex(keys.aura).slice(2)), 'named hex(key type) ++ hex(public key), as Substrate')
    // A fresh keystore on the same folder (a restarted node) signs with them.
    const reopened = Keystore.open(dir)
    for (const name of SESSION_KEY_NAMES) {
      const signer = reopened.signer(KEY_TYPES[name], keys[name])!
      assert.ok(signatureVerify(Uint8Array.of(1, 2, 3), signer.sign(Uint8Array.of(1, 2, 3)), keys[name]).isValid, name)
    }
    assert.equal((await post('127.0.0.1', port, 'author_hasSessionKeys', [encoded])).result, true)
    assert.equal((await post('127.0.0.1', port, 'author_hasKey', [u8aToHex(keys.grandpa), 'gran'])).result, true)
    assert.equal((await post('127.0.0.1', port, 'author_hasKey', [u8aToHex(keys.grandpa), 'aura'])).result, false, 'a key is held for its own type only')
    const other = `0x${'11'.repeat(128)}`
    assert.equal((await post('127.0.0.1', port, 'author_hasSessionKeys', [other])).result, false)
  })

  it('behavior: author_insertKey stores a key given by its secret; a secret that does not give the public key, or a bad key type, is refused and nothing is written', async () => {
    const phrase = mnemonicGenerate()
    const pub = new Keyring({ type: 'sr25519' }).addFromUri(phrase).publicKey
    assert.equal((await post('127.0.0.1', port, 'author_insertKey', ['imon', phrase, u8aToHex(pub)])).result, null)
    assert.equal((await post('127.0.0.1', port, 'author_hasKey', [u8aToHex(pub), 'imon'])).result, true)
    const file = join(dir, 'keystore', Buffer.from('imon').toString('hex') + u8aToHex(pub).slice(2))
    assert.equal(JSON.parse(readFileSync(file, 'utf8')), phrase, "the secret URI as a JSON string (Substrate's file format)")
    const before = readdirSync(join(dir, 'keystore')).length
    const wrong = mnemonicGenerate()
    const mismatch = await post('127.0.0.1', port, 'author_insertKey', ['imon', wrong, u8aToHex(pub)])
    assert.equal(mismatch.error?.code, 1040)
    assert.ok(!JSON.stringify(mismatch).includes(wrong), 'no secret in the reply')
    assert.equal(
      (await post('127.0.0.1', port, 'author_insertKey', ['toolong', phrase, u8aToHex(pub)])).error?.message,
      'Invalid key type ID format (should be of length four)',
    )
    assert.equal((await post('127.0.0.1', port, 'author_insertKey', ['aura', 'not a seed //', u8aToHex(pub)])).error?.message, 'Invalid seed phrase/SURI')
    assert.equal(readdirSync(join(dir, 'keystore')).length, before)
  })

  it('error: from a non-loopback address the four methods answer -32601 "RPC call is unsafe to be called externally" and change nothing', async (t) => {
    const address = externalAddress()
    if (address === undefined) {
      t.skip('this machine has no non-loopback IPv4 address')
      return
    }
    const before = readdirSync(join(dir, 'keystore')).length
    const phrase = mnemonicGenerate()
    const pub = u8aToHex(new Keyring({ type: 'sr25519' }).addFromUri(phrase).publicKey)
    const calls: Array<[string, unknown[]]> = [
      ['author_insertKey', ['aura', phrase, pub]],
      ['author_rotateKeys', []],
      ['author_hasKey', [pub, 'aura']],
      ['author_hasSessionKeys', [`0x${'11'.repeat(128)}`]],
    ]
    for (const [method, params] of calls) {
      const reply = await post(address, port, method, params)
      assert.deepEqual(reply.error, { code: UNSAFE_RPC_CODE, message: UNSAFE_RPC_MESSAGE }, method)
    }
    assert.equal(readdirSync(join(dir, 'keystore')).length, before, 'no key written')
    assert.equal(keystore.has(new Keyring({ type: 'sr25519' }).addFromUri(phrase).publicKey, 'aura'), false)
  })
})
