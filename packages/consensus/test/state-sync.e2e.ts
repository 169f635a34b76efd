/**
 * State sync with real processes at a 100 ms block time: a `dev` validator (one authority, eras of
 * 60 blocks, so the voter set changes every era) builds and finalizes a few hundred blocks; a new
 * node started with `sync: 'state'` proves the validator's finalized block final from genesis
 * through those set changes, downloads the state at it, and follows the head having executed only
 * the blocks after its sync point (its own count of executed imports, not a duration); its balances
 * agree with the validator's, and it has no state below its sync point. Costs about 45 s (30 s of
 * history at 10 blocks/s).
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { signerFromUri } from '@crust-ts/chain'
import { u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsU8a, cryptoWaitReady, xxhashAsU8a } from '@polkadot/util-crypto'
import { NodeNetwork, nodeStats, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 100
const RUNTIME = { eraLength: 60 }
const HISTORY = 300
const DEADLINE = 180_000

describe('state sync (real processes)', () => {
  let net: NodeNetwork | undefined

  after(async () => {
    await net?.close()
  })

  it('behavior: a joining node proves finality across era set changes, downloads the state and executes only the blocks after it; balances agree', async () => {
    await cryptoWaitReady()
    net = new NodeNetwork('crust-state-sync-e2e-')
    const { node: validator, client: vc } = await net.add('validator', {
      blockTimeMs: BLOCK_TIME,
      spec: 'dev',
      validatorKey: '//Alice//stash',
      runtime: RUNTIME,
    })
    await waitFor(async () => ((await nodeStats(validator)).finalized >= HISTORY ? true : undefined), `${HISTORY} finalized blocks`, DEADLINE)

    const { node: joiner, client: jc } = await net.add('joiner', { blockTimeMs: BLOCK_TIME, spec: 'dev', sync: 'state', runtime: RUNTIME })
    const stats = await waitFor(
      async () => {
        const s = await nodeStats(joiner)
        return s.stateSynced !== undefined && s.best >= s.stateSynced + 20 && s.finalized > s.stateSynced ? s : undefined
      },
      'the joiner state-synced and followed 20 blocks',
      DEADLINE,
    )
    const synced = stats.stateSynced!
    assert.ok(synced >= HISTORY, `synced at ${synced}`)
    // One author, no forks: every block above the sync point imported once, none at or below it.
    assert.equal(stats.executedImports, stats.best - synced, `executed ${stats.executedImports}, best ${stats.best}, synced at ${synced}`)

    // Balances: the validator's stash (its era rewards move it) at the joiner's finalized head, on both nodes.
    const stash = signerFromUri('//Alice//stash').publicKey
    const key = u8aToHex(u8aConcat(xxhashAsU8a('System', 128), xxhashAsU8a('Account', 128), blake2AsU8a(stash, 128), stash))
    const at = await jc.call<string>('chain_getFinalizedHead')
    const mine = await jc.call<string | null>('state_getStorage', [key, at])
    assert.ok(mine !== null)
    assert.equal(mine, await vc.call<string | null>('state_getStorage', [key, at]))
    // No state below the sync point: refused as pruned.
    const below = await jc.call<string>('chain_getBlockHash', [synced - 10])
    await assert.rejects(jc.call('state_getStorage', [key, below]), /State already discarded/)
  })
})
