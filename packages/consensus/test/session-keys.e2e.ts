/**
 * Session keys and ImOnline end to end, with four validator processes of the `local` chain (10-block
 * sessions of 500 ms blocks) on loopback and an unmodified @polkadot/api, as Crust Apps' validator
 * setup does it: `author_rotateKeys` on Bob's node, `session.setKeys` from Bob's account (a genesis
 * validator is its own controller); once the keys are in force (pallet_session: queued at the next
 * session, in force at the one after) Bob's blocks are sealed with the new Aura key and finality
 * goes on with his new grandpa key. Then Dave's validator is killed: at the end of the first whole
 * session without him, ImOnline reports him offline (SomeOffline, an `im-online:offlin` offence),
 * and `api.derive.imOnline.receivedHeartbeats` (Crust Apps' online status) shows him offline.
 * Costs about a minute on a 2-core machine (four processes, four sessions).
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import type { Header } from '@polkadot/types/interfaces'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto'
import { LOCAL_AUTHORITIES } from '@crust-ts/chain'
import { send } from '@crust-ts/testkit'
import { type NodeProcess, startNode, tempDir, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 500
/** 60-block eras of 6 sessions: 10-block sessions. */
const RUNTIME = { reportSlot: 20, fileDuration: 40, eraLength: 60 }
const DEADLINE = 180_000

interface Json {
  toJSON(): unknown
}

const connect = async (rpc: string): Promise<ApiPromise> =>
  ApiPromise.create({ provider: new WsProvider(rpc) as unknown as ApiOptions['provider'], noInitWarn: true, throwOnConnect: true } as ApiOptions)

describe('session keys and ImOnline (validator processes)', () => {
  let root: string
  const nodes: NodeProcess[] = []
  let api: ApiPromise
  let bobApi: ApiPromise

  before(async () => {
    await cryptoWaitReady()
    root = tempDir('crust-session-keys-e2e-')
    for (const [i, name] of LOCAL_AUTHORITIES.entries()) {
      nodes.push(
        await startNode(root, `validator-${i}`, {
          blockTimeMs: BLOCK_TIME,
          bootstrap: nodes.flatMap((n) => n.addrs),
          validatorKey: `//${name}`,
          runtime: RUNTIME,
        }),
      )
    }
    api = await connect(nodes[0]!.rpc)
    bobApi = await connect(nodes[1]!.rpc)
  })

  after(async () => {
    await api?.disconnect()
    await bobApi?.disconnect()
    for (const n of nodes) n.child.kill('SIGTERM')
    await Promise.all(nodes.map((n) => n.exited))
    if (process.env.CRUST_KEEP_TEST_DIR === undefined) rmSync(root, { recursive: true, force: true })
    else console.log(`test folder kept: ${root}`)
  })

  const query = async (pallet: string, item: string, ...args: unknown[]): Promise<unknown> =>
    ((await (api.query[pallet]![item] as unknown as (...a: unknown[]) => Promise<Json>)(...args)) as Json).toJSON()
  const finalizedNumber = async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber()

  /** Whether `header`'s Aura seal is `key`'s signature of its pre-seal hash. */
  function sealedBy(header: Header, key: Uint8Array): boolean {
    const logs = header.digest.logs
    const seal = logs[logs.length - 1]
    if (seal === undefined || !seal.isSeal) return false
    const pre = api.registry.createType('Header', {
      parentHash: header.parentHash,
      number: header.number,
      stateRoot: header.stateRoot,
      extrinsicsRoot: header.extrinsicsRoot,
      digest: { logs: logs.slice(0, -1) },
    })
    return signatureVerify(pre.hash, seal.asSeal[1], key).isValid
  }

  it("behavior: rotateKeys on Bob's node and session.setKeys: from the session after next Bob seals blocks with the new Aura key and finality goes on; a killed validator is reported offline at the session end", async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const bob = keyring.addFromUri(`//${LOCAL_AUTHORITIES[1]}`)
    const dave = keyring.addFromUri(`//${LOCAL_AUTHORITIES[3]}`)

    const keys = await bobApi.rpc.author.rotateKeys()
    assert.equal(keys.length, 128, "Crust's SessionKeys: four 32-byte public keys")
    assert.equal((await bobApi.rpc.author.hasSessionKeys(keys)).isTrue, true)
    assert.equal((await api.rpc.author.hasSessionKeys(keys)).isTrue, false, "only Bob's node holds them")
    const aura = keys.subarray(32, 64)
    const sent = await send(api, api.tx.session.setKeys(keys, '0x'), bob)
    assert.equal(sent.error, undefined)
    const setAt = (await api.rpc.chain.getHeader(sent.blockHash)).number.toNumber()

    // In force two session starts later: ActiveKeys lists Bob with the new keys.
    const active = await waitFor(
      async () => {
        const list = (await query('session', 'activeKeys')) as Array<[string, { aura: string }]>
        const mine = list.find(([who]) => who === bob.address)
        if (mine?.[1].aura !== u8aToHex(aura)) return undefined
        return (await api.rpc.chain.getHeader()).number.toNumber()
      },
      'Bob’s new keys in force',
      DEADLINE,
    )
    assert.ok(active >= setAt)
    // A finalized block after that, sealed by Bob's new Aura key (no other key could seal his slot).
    const sealed = await waitFor(
      async () => {
        const last = await finalizedNumber()
        for (let n = active + 1; n <= last; n++) {
          const header = await api.rpc.chain.getHeader(await api.rpc.chain.getBlockHash(n))
          if (sealedBy(header, aura)) return n
        }
        return undefined
      },
      'a finalized block sealed with Bob’s new Aura key',
      DEADLINE,
    )
    const header = await api.rpc.chain.getHeader(await api.rpc.chain.getBlockHash(sealed))
    assert.equal(sealedBy(header, bob.publicKey), false, 'not with his account key')

    // Dave's validator stops.
    nodes[3]!.child.kill('SIGKILL')
    await nodes[3]!.exited
    const killedAt = (await api.rpc.chain.getHeader()).number.toNumber()
    const offline = await waitFor(
      async () => {
        const best = (await api.rpc.chain.getHeader()).number.toNumber()
        for (let n = killedAt; n <= best; n++) {
          const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events()
          const some = events.find(({ event }) => event.section === 'imOnline' && event.method === 'SomeOffline')
          if (some === undefined) continue
          const offences = events.filter(({ event }) => event.section === 'offences' && event.method === 'Offence').map(({ event }) => event.data[0]!.toHex())
          return { block: n, offline: (some.event.data[0]!.toJSON() as Array<[string, unknown]>).map(([who]) => who), offences }
        }
        return undefined
      },
      'an ImOnline SomeOffline event after Dave stopped',
      DEADLINE,
    )
    assert.deepEqual(offline.offline, [dave.address])
    assert.deepEqual(offline.offences, [u8aToHex(new TextEncoder().encode('im-online:offlin'))])
    // The three others keep finalizing (3 of 4 votes), Bob with his new grandpa key.
    await waitFor(async () => ((await finalizedNumber()) > offline.block ? true : undefined), 'finality after the offline report', DEADLINE)
    // What Crust Apps shows: Bob online in the current session (a block or a heartbeat), Dave not.
    const alice = keyring.addFromUri(`//${LOCAL_AUTHORITIES[0]}`)
    const status = await waitFor(
      async () => {
        const s = await api.derive.imOnline.receivedHeartbeats()
        return s[bob.address]?.isOnline === true ? s : undefined
      },
      'Bob online in api.derive.imOnline.receivedHeartbeats',
      DEADLINE,
    )
    assert.deepEqual(Object.keys(status).sort(), [alice.address, bob.address, keyring.addFromUri(`//${LOCAL_AUTHORITIES[2]}`).address, dave.address].sort())
    assert.equal(status[dave.address]!.isOnline, false)
    assert.equal(status[dave.address]!.blockCount.toNumber(), 0)
  })
})
