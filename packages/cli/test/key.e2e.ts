import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url))

function crust(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
}

describe('crust key', () => {
  it('behavior: inspect //Alice prints her sr25519 account with SS58 prefix 66', () => {
    const r = crust('key', 'inspect', '//Alice', '--output-type', 'json')
    assert.equal(r.status, 0, r.stderr)
    const info = JSON.parse(r.stdout)
    assert.equal(info.publicKey, '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d')
    // Alice's well-known key encoded with Crust's prefix 66 starts with "c".
    assert.equal(info.ss58Address, 'cTM8suyN19VZb7JEPRNvtezyfpEAJyYxHkk1n5J4XEr6XroRa')
  })

  it('behavior: generate makes a fresh 12-word phrase that inspects to the same account', () => {
    const r = crust('key', 'generate', '--output-type', 'json')
    assert.equal(r.status, 0, r.stderr)
    const info = JSON.parse(r.stdout)
    assert.equal(info.secretPhrase.split(' ').length, 12)
    const again = JSON.parse(crust('key', 'inspect', info.secretPhrase, '--output-type', 'json').stdout)
    assert.equal(again.ss58Address, info.ss58Address)
  })

  it('error: a bad secret URI exits 1 with one readable line', () => {
    const r = crust('key', 'inspect', 'not a valid phrase at all')
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^error: .*CLI_ERROR_BAD_SURI/)
    assert.equal(r.stderr.trim().split('\n').length, 1)
  })
})

describe('crust bin', () => {
  it("behavior: npm links `crust` into node_modules/.bin, so the README's `npx crust` works", () => {
    const linked = fileURLToPath(new URL('../../../../node_modules/.bin/crust', import.meta.url))
    const r = spawnSync(process.execPath, [linked, '--version'], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim(), '0.1.0')
  })
})
