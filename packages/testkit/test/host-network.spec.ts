/**
 * HostNetwork and LinkProxy with real namespaces (skipped in one line where there are none): two
 * hosts reach each other by their own addresses; a link proxy in the root namespace holds each
 * chunk for its latency; a cut host is unreachable and reachable again once healed.
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { type HostNetwork as Net, HostNetwork, LinkProxy, netnsUnavailable } from '../src/netns/index.js'

const unavailable = await netnsUnavailable()
if (unavailable !== undefined) console.warn(`host network: SKIPPED: ${unavailable}`)

const ECHO = `require('node:net').createServer((s) => s.pipe(s)).listen(7000, process.argv[1], () => console.log('listening'))`
/** Connects, sends one line, prints `ok <round trip ms>` when it comes back or `error <code>`. */
const CLIENT = `const t = Date.now(); const s = require('node:net').connect(Number(process.argv[2]), process.argv[1], () => s.write('ping'));
s.on('data', (d) => { console.log(String(d) === 'ping' ? 'ok ' + (Date.now() - t) : 'bad'); s.end() });
s.on('error', (e) => console.log('error ' + e.code))`

function output(child: ChildProcess): Promise<string> {
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  return new Promise((resolve) => child.once('exit', () => resolve(out.trim())))
}

describe('HostNetwork', { skip: unavailable ?? false }, () => {
  let net: Net
  let echo: ChildProcess

  before(async () => {
    net = await HostNetwork.create({ hosts: 2 })
    echo = net.spawn(net.hosts[1]!, process.execPath, ['-e', ECHO, net.hosts[1]!.address], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => echo.stdout!.once('data', () => resolve()))
  })

  after(async () => {
    echo?.kill()
    await net?.destroy()
  })

  const dial = (host: string, port: number) =>
    output(net.spawn(net.hosts[0]!, process.execPath, ['-e', CLIENT, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }))

  it('behavior: a host reaches another by its own address', async () => {
    assert.match(await dial(net.hosts[1]!.address, 7000), /^ok \d+$/)
  })

  it('behavior: through a link proxy, a round trip takes at least twice its latency', async () => {
    const proxy = new LinkProxy({ listenHost: net.gateway, targetHost: net.hosts[1]!.address, targetPort: 7000, latencyMs: 150 })
    await proxy.start()
    try {
      const answer = await dial(net.gateway, proxy.port)
      assert.match(answer, /^ok \d+$/)
      assert.ok(Number(answer.split(' ')[1]) >= 300, answer)
    } finally {
      await proxy.stop()
    }
  })

  it('behavior: a cut host is unreachable; healed, it answers again', async () => {
    await net.cut(net.hosts[1]!)
    assert.match(await dial(net.hosts[1]!.address, 7000), /^error E(HOSTUNREACH|TIMEDOUT)$/)
    await net.heal(net.hosts[1]!)
    assert.match(await dial(net.hosts[1]!.address, 7000), /^ok \d+$/)
  })
})
