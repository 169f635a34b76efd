/** The tenant allowlist of Kubo commands and the fair scheduler of the order engine. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TENANT_COMMANDS, tenantCommand } from '../src/gateway/index.js'
import { FairScheduler } from '../src/orders/index.js'
import { allowlistAccounts } from '../src/psa/allowlist.js'

describe('tenant command allowlist', () => {
  it('behavior: the commands the issue names are open, with how the gateway handles each', () => {
    const expected: Record<string, string> = {
      add: 'upload-pins',
      cat: 'read',
      get: 'read',
      ls: 'info',
      'block/get': 'read',
      'block/stat': 'info',
      'dag/get': 'read',
      'dag/stat': 'dag-stat',
      'dag/import': 'upload-pins',
      'files/stat': 'info',
      version: 'info',
      id: 'info',
      'pin/add': 'pin-add',
      'pin/rm': 'pin-rm',
      'pin/ls': 'pin-ls',
    }
    assert.deepEqual({ ...TENANT_COMMANDS }, expected)
    for (const [command, kind] of Object.entries(expected)) assert.deepEqual(tenantCommand(`/api/v0/${command}`), { allowed: true, command, kind })
  })

  it('error: destructive, node-wide and unknown commands are refused', () => {
    const refused = [
      'repo/gc',
      'repo/stat',
      'block/rm',
      'block/put',
      'dag/put',
      'dag/export',
      'pin/update',
      'pin/verify',
      'swarm/connect',
      'swarm/peers',
      'swarm/disconnect',
      'config',
      'config/replace',
      'shutdown',
      'key/gen',
      'key/rm',
      'name/publish',
      'p2p/forward',
      'bitswap/stat',
      'files/write',
      'files/rm',
      'unknown/command',
      '',
      'constructor',
      '__proto__',
      'toString',
    ]
    for (const command of refused) assert.equal(tenantCommand(`/api/v0/${command}`).allowed, false, command)
  })

  it('error: extra slashes and case do not smuggle a command through', () => {
    assert.deepEqual(tenantCommand('/api/v0//pin//rm/'), { allowed: true, command: 'pin/rm', kind: 'pin-rm' })
    assert.deepEqual(tenantCommand('/api/v0/repo//gc'), { allowed: false, command: 'repo/gc' })
    assert.equal(tenantCommand('/api/v0/REPO/GC').allowed, false)
    assert.equal(tenantCommand('/api/v0/Pin/Rm').allowed, false)
  })
})

describe('fair scheduler', () => {
  const orders = (account: string, n: number) => Array.from({ length: n }, (_, i) => ({ account, item: `${account}${i}` }))

  it('behavior: one account with a long backlog gets at most its share; the others are served round-robin', () => {
    const s = new FairScheduler(4, 32)
    const picked = s.pick([...orders('mallory', 500), ...orders('alice', 2), ...orders('bob', 1)])
    assert.equal(picked.filter((c) => c.account === 'mallory').length, 4)
    assert.deepEqual(
      picked
        .filter((c) => c.account !== 'mallory')
        .map((c) => c.item)
        .sort(),
      ['alice0', 'alice1', 'bob0'],
    )
    assert.equal(s.size, 7)
    assert.equal(s.runningFor('mallory'), 4)
    // Mallory's slots are full: a new tick starts none of its orders, but starts Carol's.
    assert.deepEqual(
      s.pick([...orders('mallory', 500), ...orders('carol', 1)]).map((c) => c.item),
      ['carol0'],
    )
    s.finish('mallory')
    assert.deepEqual(
      s.pick(orders('mallory', 500)).map((c) => c.item),
      ['mallory0'],
    )
  })

  it('behavior: slots go one per account per round, the account served least recently first', () => {
    const s = new FairScheduler(10, 3)
    const first = s.pick([...orders('a', 5), ...orders('b', 5), ...orders('c', 5), ...orders('d', 5)])
    assert.deepEqual(
      first.map((c) => c.item),
      ['a0', 'b0', 'c0'],
    )
    for (const c of first) s.finish(c.account)
    // d was never served: it goes first now, then the least recently served.
    assert.deepEqual(
      s.pick([...orders('a', 5), ...orders('b', 5), ...orders('c', 5), ...orders('d', 5)]).map((c) => c.item),
      ['d0', 'a0', 'b0'],
    )
  })

  it('behavior: the total cap and a per-call maximum are kept', () => {
    const s = new FairScheduler(2, 5)
    assert.equal(s.pick([...orders('a', 9), ...orders('b', 9), ...orders('c', 9)], 4).length, 4)
    assert.equal(s.pick([...orders('a', 9), ...orders('b', 9), ...orders('c', 9)]).length, 1)
    assert.equal(s.size, 5)
    assert.throws(() => new FairScheduler(0, 5), RangeError)
  })
})

describe('pinning service allowlist', () => {
  it('behavior: a Substrate entry allows its key under every address form W3Auth accepts', async () => {
    const { Keyring } = await import('@polkadot/keyring')
    const { cryptoWaitReady } = await import('@polkadot/util-crypto')
    const { u8aToHex } = await import('@polkadot/util')
    await cryptoWaitReady()
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Eve')
    const owner = `substrate-${u8aToHex(pair.publicKey)}`
    for (const entry of [pair.address, `substrate-${pair.address}`, new Keyring({ ss58Format: 66 }).encodeAddress(pair.publicKey), u8aToHex(pair.publicKey)]) {
      assert.ok(allowlistAccounts([entry]).has(owner), entry)
    }
    assert.ok(allowlistAccounts(['0xAbC']).has('0xAbC'), 'a non-Substrate entry is kept as written')
    assert.equal(allowlistAccounts(['//Eve']).has(owner), false)
  })
})
