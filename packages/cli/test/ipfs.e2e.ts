/**
 * The IPFS daemon as a real child process, driven by the unmodified kubo-rpc-client and plain HTTP
 * against its gateway; two daemons exchange a file over bitswap; pins survive SIGKILL.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { CarReader } from '@ipld/car'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { CLI_BIN, makeBasePath } from '@crust-ts/testkit'

interface Daemon {
  child: ChildProcess
  api: string
  gateway: string
  peerId: string
  multiaddrs: string[]
  exited: Promise<number | string>
}

async function startDaemon(repo: string): Promise<Daemon> {
  const child = spawn(
    process.execPath,
    [CLI_BIN, 'ipfs', 'daemon', '--repo', repo, '--api-port', '0', '--gateway-port', '0', '--swarm-port', '0', '--fetch-timeout', '3000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const logs: string[] = []
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')))
  const ready = await new Promise<{ apiPort: number; gatewayPort: number; peerId: string; multiaddrs: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${logs.join('')}`)), 60_000)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line)
      try {
        const entry = JSON.parse(line)
        if (entry.msg === 'IPFS daemon ready') {
          clearTimeout(timer)
          resolve(entry)
        }
      } catch {
        // not a log line
      }
    })
    exited.then((code) => reject(new Error(`daemon exited (${code}):\n${logs.join('\n')}`)))
  })
  return {
    child,
    api: `http://127.0.0.1:${ready.apiPort}`,
    gateway: `http://127.0.0.1:${ready.gatewayPort}`,
    peerId: ready.peerId,
    multiaddrs: ready.multiaddrs.filter((m) => m.includes('127.0.0.1')),
    exited,
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Buffer.concat(parts)
}

describe('IPFS daemon', () => {
  const repoA = makeBasePath()
  const repoB = makeBasePath()
  let a: Daemon
  let b: Daemon
  let ipfsA: KuboRPCClient
  let ipfsB: KuboRPCClient

  before(async () => {
    a = await startDaemon(repoA.path)
    b = await startDaemon(repoB.path)
    ipfsA = create({ url: a.api })
    ipfsB = create({ url: b.api })
  })

  after(async () => {
    for (const d of [a, b]) {
      d?.child.kill('SIGTERM')
      await d?.exited
    }
    repoA.remove()
    repoB.remove()
  })

  it("behavior: kubo-rpc-client adds, cats, lists, pins and unpins; CIDs equal Kubo's", async () => {
    const hello = await ipfsA.add(new TextEncoder().encode('hello world\n'))
    assert.equal(hello.cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    const big = randomBytes(5 * 1024 * 1024 + 123)
    const added = await ipfsA.add(big)
    assert.equal(added.size > big.length, true)
    assert.ok((await collect(ipfsA.cat(added.cid))).equals(big))
    assert.ok((await collect(ipfsA.cat(added.cid, { offset: 1_000_000, length: 4096 }))).equals(big.subarray(1_000_000, 1_004_096)))
    const files = [
      { path: 'site/index.html', content: new TextEncoder().encode('<h1>hi</h1>') },
      { path: 'site/app.js', content: new TextEncoder().encode('console.log(1)') },
    ]
    const results = []
    for await (const r of ipfsA.addAll(files)) results.push(r)
    const root = results.find((r) => r.path === 'site')!
    const names = []
    for await (const entry of ipfsA.ls(root.cid)) names.push(entry.name)
    assert.deepEqual(names.sort(), ['app.js', 'index.html'])
    const pins = []
    for await (const p of ipfsA.pin.ls({ paths: [added.cid] })) pins.push(p.type)
    assert.deepEqual(pins, ['recursive'])
    await ipfsA.pin.rm(added.cid)
    await assert.rejects(async () => {
      for await (const _ of ipfsA.pin.ls({ paths: [added.cid] })) {
        // listing an unpinned CID fails, as in Kubo
      }
    })
  })

  it('behavior: B fetches what A added over bitswap, through its API and its gateway', async () => {
    const content = randomBytes(700_000)
    const { cid } = await ipfsA.add(content)
    await ipfsB.swarm.connect(multiaddr(a.multiaddrs[0]!))
    assert.ok((await collect(ipfsB.cat(cid))).equals(content))
    const res = await fetch(`${b.gateway}/ipfs/${cid}`)
    assert.equal(res.status, 200)
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(content))
    const peers = await ipfsB.swarm.peers()
    assert.ok(peers.some((p) => p.peer.toString() === a.peerId))
  })

  it('behavior: the gateway serves a site with index.html, Range slices and a verifiable CAR', async () => {
    const files = [
      { path: 'web/index.html', content: new TextEncoder().encode('<!doctype html><title>t</title>') },
      { path: 'web/style.css', content: new TextEncoder().encode('body{color:red}') },
    ]
    let root: CID | undefined
    for await (const r of ipfsA.addAll(files)) if (r.path === 'web') root = r.cid
    const page = await fetch(`${a.gateway}/ipfs/${root}/`)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    assert.equal(await page.text(), '<!doctype html><title>t</title>')
    const css = await fetch(`${a.gateway}/ipfs/${root}/style.css`)
    assert.match(css.headers.get('content-type') ?? '', /text\/css/)
    const data = randomBytes(600_000)
    const { cid } = await ipfsA.add(data)
    const range = await fetch(`${a.gateway}/ipfs/${cid}`, { headers: { Range: 'bytes=300000-300099' } })
    assert.equal(range.status, 206)
    assert.ok(Buffer.from(await range.arrayBuffer()).equals(data.subarray(300_000, 300_100)))
    const car = await fetch(`${a.gateway}/ipfs/${cid}?format=car`)
    assert.equal(car.status, 200)
    const reader = await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()))
    let blocks = 0
    for await (const block of reader.blocks()) {
      const digest = await sha256.digest(block.bytes)
      assert.deepEqual(digest.bytes, block.cid.multihash.bytes)
      blocks++
    }
    assert.ok(blocks >= 4, `${blocks} blocks in the CAR`)
    assert.equal((await fetch(`${a.gateway}/ipfs/not-a-cid`)).status, 400)
  })

  it('error: bad input gets clear errors and the node keeps serving', async () => {
    const unknown = await fetch(`${a.api}/api/v0/no/such/command`, { method: 'POST' })
    assert.equal(unknown.status, 404)
    const badCid = await fetch(`${a.api}/api/v0/cat?arg=nonsense`, { method: 'POST' })
    assert.equal(badCid.status, 500)
    assert.equal(((await badCid.json()) as { Type: string }).Type, 'error')
    const badMultipart = await fetch(`${a.api}/api/v0/add`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\ngarbage',
    })
    assert.ok(badMultipart.status >= 400)
    const hugeHeader = await fetch(`${a.gateway}/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o`, { headers: { 'x-big': 'a'.repeat(64 * 1024) } })
    assert.equal(hugeHeader.status, 431)
    const traversal = await fetch(`${a.gateway}/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o/..%2f..%2fetc%2fpasswd`)
    assert.equal(traversal.status, 400)
    assert.ok((await ipfsA.version()).version)
  })

  it('behavior: pinned content survives SIGKILL and restart; gc removes only unpinned blocks', async () => {
    const pinned = randomBytes(400_000)
    const loose = randomBytes(300_000)
    const { cid: keep } = await ipfsA.add(pinned)
    const { cid: drop } = await ipfsA.add(loose, { pin: false })
    a.child.kill('SIGKILL')
    assert.equal(await a.exited, 'SIGKILL')
    a = await startDaemon(repoA.path)
    ipfsA = create({ url: a.api })
    const removed: string[] = []
    for await (const r of ipfsA.repo.gc()) if (r.cid !== undefined) removed.push(r.cid.toString())
    assert.ok(removed.length > 0)
    assert.ok((await collect(ipfsA.cat(keep))).equals(pinned))
    await assert.rejects(collect(ipfsA.cat(drop, { timeout: 5000 })))
    assert.ok(!removed.includes(keep.toString()))
  })
})
