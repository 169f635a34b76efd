/**
 * A small generated scale database opened by a real `crust node`: it authors on top of the
 * generated block #1 and answers `market.filesV2` over RPC with the generated replicas.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import '@polkadot/api-augment'
import type { Codec } from '@polkadot/types/types'
import type { Option } from '@polkadot/types'
import { generateScaleState, scaleCid, scaleReplicaCount, scaleSworker } from '../src/scale-state.js'
import { connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '../src/node-process.js'

const FILES = 3000

describe('scale state generator', () => {
  const base = makeBasePath()
  let node: NodeProcess | undefined
  after(async () => {
    node?.child.kill('SIGKILL')
    if (node !== undefined) await node.exited
    base.remove()
  })

  it('writes a database a node opens, builds on and serves generated files from, with their replica counts', async () => {
    const result = await generateScaleState({
      basePath: base.path,
      files: FILES,
      sworkers: 300,
      candidates: 10,
      guarantors: 20,
      accounts: 2000,
      blockTimeMs: 500,
    })
    // Files, accounts, identities (4 items each) and work reports, besides genesis and staking.
    assert.ok(result.pairs > FILES + 2000 + 300 * 4, `pairs ${result.pairs}`)
    node = await startNode(base.path)
    const api = await connectApi(node.url)
    try {
      // The node authored past the generated block #1, so it executed blocks on that state.
      await waitFor(async () => ((await api.rpc.chain.getHeader()).number.toNumber() >= 3 ? true : undefined), 'block #3', 60_000)
      const wide = Array.from({ length: FILES }, (_, i) => i).find((i) => scaleReplicaCount(i) >= 100)!
      for (const i of [0, 1, wide]) {
        const file = (await api.query.market.filesV2(scaleCid(i))) as Option<Codec>
        assert.ok(file.isSome, `file ${i} (${scaleCid(i)}) missing`)
        const info = file.unwrap() as unknown as {
          replicas: { size: number; keys(): IterableIterator<{ toU8a(): Uint8Array }> }
          reportedReplicaCount: { toNumber(): number }
        }
        assert.equal(info.replicas.size, scaleReplicaCount(i))
        assert.equal(info.reportedReplicaCount.toNumber(), scaleReplicaCount(i))
      }
      assert.ok(scaleReplicaCount(wide) >= 100)
      assert.equal(((await api.query.market.filesV2(scaleCid(FILES))) as Option<Codec>).isNone, true)
      const identity = (await api.query.swork.identities(scaleSworker(7))) as Option<Codec>
      assert.equal(identity.isSome, true)
      assert.equal((await api.query.market.fileKeysCount()).toString(), String(FILES))
    } finally {
      await api.disconnect()
    }
  })
})
