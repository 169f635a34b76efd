/** The page's table of dev accounts is what their secret URIs derive to (and what the @polkadot chunk's dev wallet signs with). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { DEV_ACCOUNTS } from '../src/dev-accounts.js'

describe('dev accounts table', () => {
  it('behavior: each listed address is //Name derived as sr25519 in SS58 format 66, in the dev wallet order', async () => {
    await cryptoWaitReady()
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    assert.deepEqual(
      DEV_ACCOUNTS.map((a) => a.name),
      ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'],
    )
    for (const a of DEV_ACCOUNTS) assert.equal(a.address, keyring.addFromUri(`//${a.name}`).address, a.name)
  })
})
