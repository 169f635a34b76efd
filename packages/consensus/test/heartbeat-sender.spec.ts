/**
 * The heartbeat sender on a real chain (LMDB in a temp folder) of the `local` authorities: Dave
 * never gets to author, so once the session passes its HeartbeatAfter block his sender signs a
 * heartbeat with his im_online key and the next block applies it (ReceivedHeartbeats); a validator
 * that already authored in the session sends none, and one heartbeat per session is enough.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { imOnline, Keystore, LOCAL_AUTHORITIES, staking, TransactionPool } from '@crust-ts/chain'
import { silentLogger } from '@crust-ts/base'
import { HeartbeatSender } from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'

describe('HeartbeatSender', () => {
  let local: LocalChains

  before(async () => {
    // 60-block eras of 6 sessions: HeartbeatAfter is block 5 of session 0.
    local = await LocalChains.create('crust-heartbeat-', { runtime: { eraLength: 60 } })
  })

  after(async () => {
    await local.close()
  })

  it("behavior: a validator that has not authored sends one heartbeat after the session's HeartbeatAfter block, signed with its im_online key, and the chain receives it", () => {
    const chain = local.chain('a')
    const pool = new TransactionPool(local.runtime, chain)
    const senderOf = (index: number) => {
      const keys = Keystore.inMemory()
      keys.addEphemeral(staking.KEY_TYPES.im_online, `//${LOCAL_AUTHORITIES[index]}`)
      return new HeartbeatSender({ chain, pool, runtime: local.runtime, logger: silentLogger }, { validatorKey: `//${LOCAL_AUTHORITIES[index]}`, keys })
    }
    const [alice, dave] = [senderOf(0), senderOf(3)]
    const after = imOnline.HeartbeatAfter.get(chain.stateAt())
    assert.ok(after > 0)
    // Blocks in every slot but Dave's (slot % 4 === 3).
    let slot = 0
    while (chain.best.number < after - 1) {
      slot++
      if (slot % 4 === 3) continue
      local.produce(chain, slot)
      assert.equal(dave.onBest(chain.best), undefined, 'not before HeartbeatAfter')
    }
    slot++
    if (slot % 4 === 3) slot++
    local.produce(chain, slot)
    assert.equal(alice.onBest(chain.best), undefined, 'Alice authored: online already')
    const tx = dave.onBest(chain.best)
    assert.ok(tx !== undefined, 'Dave sends his heartbeat')
    assert.equal(dave.onBest(chain.best), undefined, 'once per session')
    slot++
    if (slot % 4 === 3) slot++
    const applied = local.produce(chain, slot, { extrinsics: pool.source() }).applied
    assert.equal(applied.length, 1)
    assert.deepEqual(applied[0]!.outcome, { included: true, success: true })
    const state = chain.stateAt()
    assert.equal(imOnline.ReceivedHeartbeats.get(state, 0, 3), true)
    assert.equal(imOnline.ReceivedHeartbeats.get(state, 0, 0), undefined)
  })
})
