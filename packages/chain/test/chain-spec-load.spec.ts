/** Loading a chain spec by name or file: built-ins, a valid file, and the two kinds of refusal. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { builtinSpec, ChainSpecError, loadChainSpec } from '../src/index.js'

describe('loadChainSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-spec-load-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('behavior: dev and local are built in; a spec file is read and validated', async () => {
    assert.equal((await loadChainSpec('local')).genesis.authorities.length, 4)
    const file = join(dir, 'spec.json')
    writeFileSync(file, JSON.stringify({ ...builtinSpec('dev')!, name: 'From a file', runtime: { reportSlot: 20 } }))
    const spec = await loadChainSpec(file)
    assert.equal(spec.name, 'From a file')
    assert.equal(spec.runtime?.reportSlot, 20)
    const withChallenges = join(dir, 'challenges.json')
    const dev = builtinSpec('dev')!
    writeFileSync(
      withChallenges,
      JSON.stringify({ ...dev, genesis: { ...dev.genesis, challenges: { enabled: true } }, runtime: { challengesPerNode: 8, challengeWindow: 30 } }),
    )
    const parsed = await loadChainSpec(withChallenges)
    assert.deepEqual(parsed.genesis.challenges, { enabled: true })
    assert.deepEqual(parsed.runtime, { challengesPerNode: 8, challengeWindow: 30 })
  })

  it('error: a missing or non-JSON file is SPEC_ERROR_UNREADABLE; a wrong spec is SPEC_ERROR_INVALID naming the path', async () => {
    await assert.rejects(
      loadChainSpec(join(dir, 'missing.json')),
      (err) => err instanceof ChainSpecError && err.code === 'SPEC_ERROR_UNREADABLE' && /neither dev, local, nor a readable chain spec file/.test(err.message),
    )
    const notJson = join(dir, 'bad.json')
    writeFileSync(notJson, '{ nope')
    await assert.rejects(
      loadChainSpec(notJson),
      (err) => err instanceof ChainSpecError && err.code === 'SPEC_ERROR_UNREADABLE' && /not valid JSON/.test(err.message),
    )
    const wrong = join(dir, 'wrong.json')
    writeFileSync(wrong, JSON.stringify({ ...builtinSpec('dev')!, id: 'Upper Case' }))
    await assert.rejects(loadChainSpec(wrong), (err) => err instanceof ChainSpecError && err.code === 'SPEC_ERROR_INVALID' && /\$\.id/.test(err.message))
    // Challenges: a window must fit in the report slot, k is bounded, the genesis switch is a boolean.
    for (const [runtime, path] of [
      [{ reportSlot: 20, challengeWindow: 20 }, /\$\.runtime\.challengeWindow/],
      [{ challengesPerNode: 17 }, /\$\.runtime\.challengesPerNode/],
    ] as const) {
      writeFileSync(wrong, JSON.stringify({ ...builtinSpec('dev')!, runtime }))
      await assert.rejects(loadChainSpec(wrong), (err) => err instanceof ChainSpecError && path.test(err.message))
    }
    const dev = builtinSpec('dev')!
    writeFileSync(wrong, JSON.stringify({ ...dev, genesis: { ...dev.genesis, challenges: { enabled: 'yes' } } }))
    await assert.rejects(loadChainSpec(wrong), (err) => err instanceof ChainSpecError && /\$\.genesis\.challenges/.test(err.message))
  })
})
