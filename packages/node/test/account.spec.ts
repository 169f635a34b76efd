/** The node's account from a secret URI file (kept off the command line), and one source at a time. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { loadAccount, NodeConfigError, resolveConfig } from '../src/index.js'

describe('node account', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-node-account-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('behavior: account.suriFile loads the secret URI from a file (surrounding whitespace ignored)', async () => {
    await cryptoWaitReady()
    const file = join(dir, 'bob')
    writeFileSync(file, '  //Bob\n', { mode: 0o600 })
    const config = resolveConfig(dir, { account: { suriFile: file }, chainRpc: 'ws://127.0.0.1:9944' })
    const pair = await loadAccount(config.account)
    assert.equal(pair.address, new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Bob').address)
  })

  it('error: a missing or empty file names the file, never a secret', async () => {
    await assert.rejects(
      loadAccount({ suriFile: join(dir, 'nope') }),
      (err: unknown) => err instanceof NodeConfigError && /cannot read the secret URI file .*nope \(ENOENT\)/.test(err.message),
    )
    const empty = join(dir, 'empty')
    writeFileSync(empty, '\n')
    await assert.rejects(loadAccount({ suriFile: empty }), /is empty/)
  })

  it('error: only one account source at a time', () => {
    assert.throws(
      () => resolveConfig(dir, { account: { suri: '//Bob', suriFile: join(dir, 'bob') }, chainRpc: 'ws://127.0.0.1:9944' }),
      /give only one of suri/,
    )
    assert.throws(() => resolveConfig(dir, { chainRpc: 'ws://127.0.0.1:9944' }), /account: give --account-file/)
  })
})
