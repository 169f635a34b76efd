/**
 * `crust node --mode`: storage nodes as real processes against a chain node. An isolation node
 * serves metrics; an owner allowlists a member, and the member joins the owner's group after its
 * first work report, and a file uploaded through the member is stored as the owner's replica. Bad
 * configuration is refused with one readable line.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { type NodeProcess, waitFor } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'
import { type StorageProcess, StorageTestbed } from './fixtures/storage-process.js'

const storageArgs = (dir: string, rpc: string, account: string) => [
  '--base-path',
  dir,
  '--chain-rpc',
  rpc,
  '--account',
  account,
  '--ipfs-api-port',
  '0',
  '--gateway-port',
  '0',
  '--swarm-port',
  '0',
  '--swarm-host',
  '127.0.0.1',
  '--sworker-port',
  '0',
  '--smanager-port',
  '0',
  '--metrics-port',
  '0',
  '--srd-units',
  '1',
  '--srd-unit',
  String(16 * 1024 * 1024),
]

describe('crust node --mode', () => {
  const bed = new StorageTestbed({ name: 'chain' })
  let chain: NodeProcess
  let api: ApiPromise
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let member: StorageProcess | undefined

  before(async () => {
    const started = await bed.start()
    chain = started.chain
    api = started.api
  })

  after(async () => {
    await bed.close()
  })

  it('behavior: an isolation node serves Prometheus metrics with its SRD', async () => {
    const node = await bed.storage(['--mode', 'isolation', ...storageArgs(join(bed.base.path, 'iso'), chain.url, '//Eve')])
    const res = await fetch(node.endpoints.metrics!)
    assert.equal(res.status, 200)
    const text = await res.text()
    assert.match(text, /^crust_sworker_srd_bytes 16777216$/m)
    assert.match(text, /^crust_chain_best_block \d+$/m)
    assert.match(text, /^process_cpu_seconds_total /m)
  })

  it('behavior: a member joins the group its owner allowlisted', async () => {
    const alice = keyring.addFromUri('//Alice').address
    const dave = keyring.addFromUri('//Dave').address
    const owner = await bed.storage([
      '--mode',
      'owner',
      '--chain-rpc',
      chain.url,
      '--account',
      '//Alice',
      '--members',
      dave,
      '--base-path',
      join(bed.base.path, 'owner'),
      '--metrics-port',
      '0',
    ])
    assert.equal(owner.endpoints.ipfsApi, undefined, 'an owner runs no IPFS node')
    member = await bed.storage(['--mode', 'member', '--owner', alice, ...storageArgs(join(bed.base.path, 'member'), chain.url, '//Dave')])
    await waitFor(
      async () => {
        const id = (await api.query.swork.identities(dave)).toJSON() as { group: string | null } | null
        return id?.group === alice ? true : undefined
      },
      'the member in the owner group',
      120_000,
    )
    const group = (await api.query.swork.groups(alice)).toJSON() as { members: string[] }
    assert.deepEqual(group.members, [dave])
  })

  it("behavior: a file uploaded through a member node becomes a reported replica of the group's owner, held by the member", async () => {
    const alice = keyring.addFromUri('//Alice').address
    const dave = keyring.addFromUri('//Dave').address
    assert.ok(member !== undefined, 'the member of the previous test runs')
    const file = join(bed.base.path, 'group-file.bin')
    writeFileSync(file, randomBytes(300_000))
    const run = await runCrust([
      'upload',
      file,
      '--api',
      member.endpoints.ipfsApi!,
      '--chain',
      chain.url,
      '--account',
      '//Bob',
      '--replicas',
      '1',
      '--timeout',
      '240000',
    ])
    assert.equal(run.code, 0, run.stderr)
    const cid = /^cid\s+(\S+)$/m.exec(run.stdout)?.[1]
    assert.ok(cid !== undefined, run.stdout)
    // Crust keys a group's replica by the owner; the member that reported it is its `who`.
    const info = (await api.query.market.filesV2(cid)).toJSON() as { replicas: Record<string, { who: string; isReported: boolean }> }
    assert.deepEqual(Object.keys(info.replicas), [alice])
    assert.equal(info.replicas[alice]!.who, dave)
    assert.equal(info.replicas[alice]!.isReported, true)
    const task = (await (await fetch(`${member.endpoints.smanagerApi}/api/v0/tasks/${cid}`)).json()) as { status: string }
    assert.equal(task.status, 'sealed', "the member's sManager sealed it")
  })

  it('error: bad configuration is one readable line and exit code 1', async () => {
    const config = join(bed.base.path, 'bad.json')
    writeFileSync(config, JSON.stringify({ ipfs: { apiPortt: 5001 } }))
    const typo = await runCrust(['node', '--mode', 'isolation', '--config', config, '--account', '//Bob'])
    assert.equal(typo.code, 1)
    assert.match(typo.stderr, /^error: \$\.ipfs\.apiPortt: unknown key .*\(NODE_ERROR_CONFIG\)\n$/)
    const noAccount = await runCrust(['node', '--mode', 'isolation', '--base-path', join(bed.base.path, 'x')])
    assert.equal(noAccount.code, 1)
    assert.match(noAccount.stderr, /^error: account: give --account/)
    const member = await runCrust(['node', '--mode', 'member', '--account', '//Bob', '--base-path', join(bed.base.path, 'y')])
    assert.match(member.stderr, /owner: a member node needs --owner/)
  })
})
