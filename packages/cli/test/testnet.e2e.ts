/**
 * `crust testnet` (root only: network namespaces): 4 validators and 3 storage nodes, each its own
 * host, every link 80 ± 20 ms with 1 % loss. Blocks are finalized on every validator; a file
 * uploaded through one storage node with an order gets 3 reported replicas; a validator cut off and
 * healed follows the others' finality again, all agreeing on the finalized hashes; stopped, the
 * network leaves no process, namespace or bridge behind. Without namespaces (not root) the command
 * says why in one line and exits 1.
 */
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { builtinSpec } from '@crust-ts/chain'
import { alive, CLI_BIN, connectApi, makeBasePath, netnsUnavailable, startTestnet, type TestnetProcess, waitFor } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'

const unavailable = await netnsUnavailable()
if (unavailable !== undefined) console.warn(`crust testnet: SKIPPED: ${unavailable}`)

const REPORT_SLOT = 10

/** One JSON-RPC call over HTTP (the chain RPC answers HTTP on its WebSocket port). */
async function rpc<T>(ws: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(ws.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  })
  const body = (await res.json()) as { result?: T; error?: { message: string } }
  if (body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? 'no result'}`)
  return body.result
}

/** A node's finalized block: number and hash. */
async function finalized(ws: string): Promise<{ number: number; hash: string }> {
  const hash = await rpc<string>(ws, 'chain_getFinalizedHead')
  const header = await rpc<{ number: string }>(ws, 'chain_getHeader', [hash])
  return { number: Number.parseInt(header.number, 16), hash }
}

/** Polls every node until each has finalized `height`; returns each one's hash at `height`. */
async function hashesAt(nodes: string[], height: number, what: string): Promise<string[]> {
  return waitFor(
    async () => {
      try {
        const heads = await Promise.all(nodes.map(finalized))
        if (heads.some((h) => h.number < height)) return undefined
        return await Promise.all(nodes.map((ws) => rpc<string>(ws, 'chain_getBlockHash', [height])))
      } catch {
        return undefined
      }
    },
    what,
    180_000,
  )
}

describe('crust testnet: namespaces unavailable', () => {
  it('error: not root, it says so in one line and exits 1', () => {
    const base = makeBasePath()
    try {
      // The unprivileged user must be able to read the built CLI and write its (unused) base path.
      chmodSync(base.path, 0o777)
      const run = spawnSync(process.execPath, [CLI_BIN, 'testnet', '--base-path', join(base.path, 'net')], { uid: 65534, gid: 65534, encoding: 'utf8' })
      assert.equal(run.status, 1, run.stderr)
      assert.match(run.stderr, /^error: crust testnet needs network namespaces: network namespaces need root[^\n]*\(CLI_ERROR_TESTNET_NO_NETNS\)\n$/)
    } finally {
      base.remove()
    }
  })
})

describe('crust testnet: 4 validators and 3 storage nodes, 80 ± 20 ms, 1 % loss', { skip: unavailable ?? false }, () => {
  const base = makeBasePath()
  let net: TestnetProcess
  let validators: string[]

  before(async () => {
    const spec = join(base.path, 'local.json')
    writeFileSync(spec, JSON.stringify({ ...builtinSpec('local')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: 600, eraLength: 360 } }))
    const started = Date.now()
    net = await startTestnet(join(base.path, 'net'), [
      '--chain',
      spec,
      '--validators',
      '4',
      '--storage-nodes',
      '3',
      '--no-gateway',
      '--latency',
      '80',
      '--jitter',
      '20',
      '--loss',
      '1',
      '--bandwidth',
      '100mbit',
      '--seed',
      '21',
    ])
    console.log(`testnet ready in ${((Date.now() - started) / 1000).toFixed(1)} s (faults by ${net.info.faults.by})`)
    validators = net.info.validators.map((v) => v.rpc)
  })

  after(async () => {
    await net?.stop()
    base.remove()
  })

  it('behavior: every node is its own host, and hosts reach each other only through the link proxies', () => {
    const addresses = [...net.info.validators, ...net.info.storageNodes].map((h) => h.address)
    assert.equal(new Set(addresses).size, 7)
    assert.equal(new Set(net.info.namespaces).size, 7)
    // What a validator tells its peers to dial is its proxy on the bridge, not its own address.
    for (const v of net.info.validators) assert.ok(v.p2p.every((a) => !a.includes(`/ip4/${v.address}/`)) && v.p2p.length > 0, v.p2p.join(' '))
    // A direct connection between two hosts goes nowhere (isolated bridge ports).
    const [a, b] = net.info.validators
    const direct = execFileSync('ip', ['netns', 'exec', a!.ns, process.execPath, '-e', DIAL, b!.address, '30333'], { encoding: 'utf8' }).trim()
    assert.notEqual(direct, 'connected')
  })

  it('behavior: blocks are finalized on all four validators, with the same hashes', async () => {
    const hashes = await hashesAt(validators, 5, 'block 5 finalized on every validator')
    assert.equal(new Set(hashes).size, 1, hashes.join(' '))
  })

  it('behavior: a file uploaded through one storage node with an order gets 3 reported replicas', async () => {
    const node = net.info.storageNodes[0]!
    const file = join(base.path, 'data.bin')
    writeFileSync(file, randomBytes(256 * 1024))
    const run = await runCrust([
      'upload',
      file,
      '--api',
      node.ipfsApi,
      '--chain',
      net.info.chainRpc,
      '--account',
      '//Ferdie',
      '--replicas',
      '3',
      '--timeout',
      '240000',
    ])
    assert.equal(run.code, 0, run.stderr)
    const cid = /^cid\s+(\S+)$/m.exec(run.stdout)?.[1]
    assert.ok(cid !== undefined, run.stdout)
    const api = await connectApi(net.info.chainRpc)
    try {
      const info = (await api.query.market.filesV2(cid)).toJSON() as {
        reportedReplicaCount: number
        replicas: Record<string, { who: string; isReported: boolean }>
      }
      assert.equal(info.reportedReplicaCount, 3)
      const reporters = Object.values(info.replicas)
        .filter((r) => r.isReported)
        .map((r) => r.who)
        .sort()
      assert.deepEqual(reporters, net.info.storageNodes.map((n) => n.account).sort())
    } finally {
      await api.disconnect()
    }
  })

  it('behavior: a validator cut off and healed finalizes with the others again; all agree on the finalized hashes', async () => {
    const cut = net.info.validators[3]!
    const others = validators.slice(0, 3)
    await net.control('/cut', { name: cut.name })
    const atCut = Math.max(...(await Promise.all(others.map(finalized))).map((h) => h.number))
    // Three of four validators are more than 2/3: finality goes on without the cut one.
    await hashesAt(others, atCut + 5, `five blocks finalized by the other three after #${atCut}`)
    // Read from inside its namespace: a cut host cannot be reached from outside either.
    const isolated = await finalizedInside(cut.ns)
    assert.ok(isolated.number <= atCut + 2, `the cut validator finalized #${isolated.number} alone (cut at #${atCut})`)
    await net.control('/heal', { name: cut.name })
    const healedAt = Math.max(...(await Promise.all(others.map(finalized))).map((h) => h.number))
    const hashes = await hashesAt(validators, healedAt + 3, `#${healedAt + 3} finalized on all four after the heal`)
    assert.equal(new Set(hashes).size, 1, hashes.join(' '))
    // And the history each went through agrees too: the block finalized while it was cut off.
    const during = await Promise.all(validators.map((ws) => rpc<string>(ws, 'chain_getBlockHash', [atCut + 5])))
    assert.equal(new Set(during).size, 1, during.join(' '))
  })

  it('behavior: stopped, it leaves no process, namespace or bridge behind', async () => {
    const pids = [...net.info.validators, ...net.info.storageNodes].map((h) => h.pid)
    await net.stop()
    assert.equal(
      await net.exited,
      0,
      `the launcher's teardown:\n${net.logs
        .join('\n')
        .split('\n')
        .filter((l) => /teardown|stopp|removed|exiting/.test(l))
        .join('\n')}\nwhere it was stuck:\n${net.stuck.join('\n')}`,
    )
    assert.deepEqual(
      pids.filter((p) => alive(p)),
      [],
    )
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    assert.deepEqual(
      net.info.namespaces.filter((ns) => new RegExp(`^${ns}\\b`, 'm').test(namespaces)),
      [],
    )
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    assert.ok(!links.includes(`${net.info.bridge}:`), `bridge ${net.info.bridge} left behind`)
    assert.ok(!new RegExp(`: ${net.info.bridge.replace(/br$/, '')}[vi]\\d+[@:]`).test(links), 'veth pairs left behind')
  })
})

/** The finalized head's number of the chain node on port 9944 in namespace `ns`, asked from inside it. */
async function finalizedInside(ns: string): Promise<{ number: number }> {
  const script = `const call = async (method, params) => (await (await fetch('http://127.0.0.1:9944', { method: 'POST',
  headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
  const hash = await call('chain_getFinalizedHead', []); console.log(Number.parseInt((await call('chain_getHeader', [hash])).number, 16))`
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' })
  return { number: Number(stdout.trim()) }
}

/** Dials `host:port` once; prints `connected` or the error's code (within 3 s: `timeout`). */
const DIAL = `const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
s.setTimeout(3000, () => { console.log('timeout'); process.exit(0) });
s.on('connect', () => { console.log('connected'); process.exit(0) });
s.on('error', (e) => { console.log(e.code); process.exit(0) })`
