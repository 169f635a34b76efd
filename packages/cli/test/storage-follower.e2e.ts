/**
 * `crust node --mode ... --chain <spec> --bootnodes <validator>`: a storage node that runs its own
 * chain node and reaches the chain only over p2p. An owner node (no IPFS: the chain node gets a
 * host of its own) creates its group through it; asking for both a chain RPC and a chain node is
 * refused with one readable line.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { CLI_BIN, connectApi, makeBasePath, type NodeProcess, startNode, waitFor, writeDevSpec } from '@crust-ts/testkit'

interface Started {
  child: ChildProcess
  endpoints: { chainRpc: string; multiaddrs?: string[] }
  exited: Promise<number | string>
}

function startStorage(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI_BIN, 'node', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const logs: string[] = []
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')))
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string; endpoints: Started['endpoints'] }) => {
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

describe('crust node --mode with its own chain node', () => {
  const base = makeBasePath()
  let validator: NodeProcess
  let api: ApiPromise
  let bootnodes: string[]
  let spec: string
  const started: Started[] = []
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })

  before(async () => {
    await cryptoWaitReady()
    spec = writeDevSpec(base.path, { reportSlot: 10, fileDuration: 60, eraLength: 60 })
    validator = await startNode(join(base.path, 'validator'), ['--chain', spec, '--validator', '//Alice//stash', '--p2p-port', '0', '--p2p-host', '127.0.0.1'])
    bootnodes = await waitFor(async () => {
      for (const line of validator.logs) {
        if (!line.includes('"on the p2p network')) continue
        return (JSON.parse(line) as { p2p: string[] }).p2p
      }
      return undefined
    }, "the validator's p2p addresses")
    api = await connectApi(validator.url)
  })

  after(async () => {
    await api?.disconnect()
    for (const s of started) {
      s.child.kill('SIGKILL')
      await s.exited
    }
    validator?.child.kill('SIGTERM')
    await validator?.exited
    base.remove()
  })

  it('behavior: an owner node creates its group through its own chain node, then stops cleanly on SIGTERM', async () => {
    const dave = keyring.addFromUri('//Dave').address
    const alice = keyring.addFromUri('//Alice').address
    const owner = await startStorage([
      '--mode', 'owner', '--chain', spec, '--bootnodes', ...bootnodes, '--block-time', '500', '--account', '//Alice', '--members', dave,
      '--base-path', join(base.path, 'owner'), '--metrics-port', '0', '--swarm-port', '0', '--swarm-host', '127.0.0.1',
    ])
    started.push(owner)
    assert.notEqual(owner.endpoints.chainRpc, validator.url)
    assert.match(owner.endpoints.chainRpc, /^ws:\/\/127\.0\.0\.1:\d+$/)
    // Ready means synced and the group done: both are on the validator's chain.
    const group = (await api.query.swork.groups(alice)).toJSON() as { allowlist: string[] } | null
    assert.deepEqual(group?.allowlist, [dave])
    const own = await connectApi(owner.endpoints.chainRpc)
    try {
      const ownFinal = (await own.rpc.chain.getHeader(await own.rpc.chain.getFinalizedHead())).number.toNumber()
      assert.ok(ownFinal > 0, 'its chain node follows finality')
      assert.equal((await own.rpc.chain.getBlockHash(ownFinal)).toHex(), (await api.rpc.chain.getBlockHash(ownFinal)).toHex())
    } finally {
      await own.disconnect()
    }
    owner.child.kill('SIGTERM')
    assert.equal(await owner.exited, 0)
  })

  it('error: a chain RPC and a chain node together, or a chain node without bootnodes, is one readable line', async () => {
    const both = await runCli(['node', '--mode', 'isolation', '--account', '//Bob', '--chain-rpc', validator.url, '--bootnodes', ...bootnodes, '--base-path', join(base.path, 'x')])
    assert.equal(both.code, 1)
    assert.match(both.stderr, /^error: chain: give either --chain-rpc .* not both \(NODE_ERROR_CONFIG\)\n$/)
    const lonely = await runCli(['node', '--mode', 'isolation', '--account', '//Bob', '--chain', spec, '--base-path', join(base.path, 'y')])
    assert.equal(lonely.code, 1)
    assert.match(lonely.stderr, /^error: chain\.bootnodes: /)
  })
})
