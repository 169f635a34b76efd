/**
 * `crust node --mode`: storage nodes as real processes against a chain node. An isolation node
 * serves metrics; an owner allowlists a member, and the member joins the owner's group after its
 * first work report. Bad configuration is refused with one readable line.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { writeDevSpec } from '@crust-ts/testkit'
import { CLI_BIN, connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'

interface Started {
  child: ChildProcess
  endpoints: Record<string, string>
  exited: Promise<number | string>
}

/** Starts `crust node --mode ...` and waits for its IPC ready message. */
function startStorage(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI_BIN, 'node', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const logs: string[] = []
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')))
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string; endpoints: Record<string, string> }) => {
      if (m.type === 'ready') resolve({ child, endpoints: m.endpoints, exited })
    })
    exited.then((code) => reject(new Error(`storage node exited (${code}):\n${logs.join('')}`)))
  })
}

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })))
}

const storageArgs = (dir: string, rpc: string, account: string) => [
  '--base-path', dir, '--chain-rpc', rpc, '--account', account, '--ipfs-api-port', '0', '--gateway-port', '0', '--swarm-port', '0',
  '--swarm-host', '127.0.0.1', '--sworker-port', '0', '--smanager-port', '0', '--metrics-port', '0', '--srd-units', '1', '--srd-unit', String(16 * 1024 * 1024),
]

describe('crust node --mode', () => {
  const base = makeBasePath()
  let chain: NodeProcess
  let api: ApiPromise
  const started: Started[] = []
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })

  before(async () => {
    await cryptoWaitReady()
    const spec = writeDevSpec(base.path, { reportSlot: 10, fileDuration: 60, eraLength: 60 })
    chain = await startNode(join(base.path, 'chain'), ['--chain', spec])
    api = await connectApi(chain.url)
  })

  after(async () => {
    await api?.disconnect()
    for (const s of started) {
      s.child.kill('SIGTERM')
      await s.exited
    }
    chain?.child.kill('SIGTERM')
    await chain?.exited
    base.remove()
  })

  it('behavior: an isolation node serves Prometheus metrics with its SRD', async () => {
    const node = await startStorage(['--mode', 'isolation', ...storageArgs(join(base.path, 'iso'), chain.url, '//Eve')])
    started.push(node)
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
    const owner = await startStorage(['--mode', 'owner', '--chain-rpc', chain.url, '--account', '//Alice', '--members', dave, '--base-path', join(base.path, 'owner'), '--metrics-port', '0'])
    started.push(owner)
    assert.equal(owner.endpoints.ipfsApi, undefined, 'an owner runs no IPFS node')
    const member = await startStorage(['--mode', 'member', '--owner', alice, ...storageArgs(join(base.path, 'member'), chain.url, '//Dave')])
    started.push(member)
    await waitFor(async () => {
      const id = (await api.query.swork.identities(dave)).toJSON() as { group: string | null } | null
      return id?.group === alice ? true : undefined
    }, 'the member in the owner group', 120_000)
    const group = (await api.query.swork.groups(alice)).toJSON() as { members: string[] }
    assert.deepEqual(group.members, [dave])
  })

  it('error: bad configuration is one readable line and exit code 1', async () => {
    const config = join(base.path, 'bad.json')
    writeFileSync(config, JSON.stringify({ ipfs: { apiPortt: 5001 } }))
    const typo = await runCli(['node', '--mode', 'isolation', '--config', config, '--account', '//Bob'])
    assert.equal(typo.code, 1)
    assert.match(typo.stderr, /^error: \$\.ipfs\.apiPortt: unknown key .*\(NODE_ERROR_CONFIG\)\n$/)
    const noAccount = await runCli(['node', '--mode', 'isolation', '--base-path', join(base.path, 'x')])
    assert.equal(noAccount.code, 1)
    assert.match(noAccount.stderr, /^error: account: give --account/)
    const member = await runCli(['node', '--mode', 'member', '--account', '//Bob', '--base-path', join(base.path, 'y')])
    assert.match(member.stderr, /owner: a member node needs --owner/)
  })
})
