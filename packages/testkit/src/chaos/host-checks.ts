/**
 * Two of a chaos run's invariants about the network itself, not its nodes: every node is its own
 * host and hosts reach each other only through the link proxies (else latency, loss and cuts would
 * not apply to what the run measures), and a stopped network leaves no process, namespace, bridge
 * or veth pair behind (else the next run on the machine inherits them).
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { alive } from '../dev-process.js'
import type { TestnetInfo, TestnetProcess } from '../testnet-process.js'

/** Dials `host:port` once; prints `connected` or the error's code (within 3 s: `timeout`). */
const DIAL = `const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
s.setTimeout(3000, () => { console.log('timeout'); process.exit(0) });
s.on('connect', () => { console.log('connected'); process.exit(0) });
s.on('error', (e) => { console.log(e.code); process.exit(0) })`

/** The validators' libp2p port inside their own namespaces (what a direct dial would aim at). */
const VALIDATOR_P2P_PORT = 30333

/** What is wrong with the hosts' separation (empty: every node its own host, links only through the proxies). */
export async function isolationProblems(info: TestnetInfo): Promise<string[]> {
  const problems: string[] = []
  const hosts = [...info.validators, ...info.storageNodes]
  const addresses = new Set(hosts.map((h) => h.address))
  if (addresses.size !== hosts.length) problems.push(`${hosts.length} hosts share ${addresses.size} addresses`)
  if (new Set(info.namespaces).size !== info.namespaces.length || info.namespaces.length < hosts.length)
    problems.push(`${info.namespaces.length} namespaces for ${hosts.length} hosts`)
  // What a validator tells its peers to dial is its proxy on the bridge, not its own address.
  for (const v of info.validators)
    if (v.p2p.length === 0 || v.p2p.some((a) => a.includes(`/ip4/${v.address}/`))) problems.push(`${v.name} announces ${v.p2p.join(' ') || 'nothing'}`)
  // A direct connection between two hosts goes nowhere (isolated bridge ports).
  const [a, b] = info.validators
  if (a !== undefined && b !== undefined) {
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', a.ns, process.execPath, '-e', DIAL, b.address, String(VALIDATOR_P2P_PORT)], {
      encoding: 'utf8',
    })
    if (stdout.trim() === 'connected') problems.push(`${a.name} reached ${b.name} at ${b.address} directly`)
  }
  return problems
}

/** Stops the network and says what it left behind (empty: a clean exit, nothing left). */
export async function teardownProblems(net: TestnetProcess, pids: number[]): Promise<string[]> {
  await net.stop()
  const problems: string[] = []
  const code = await net.exited
  if (code !== 0) problems.push(`the launcher exited ${code}${net.stuck.length > 0 ? `, stuck at ${net.stuck.slice(0, 2).join(' | ')}` : ''}`)
  const left = pids.filter((p) => alive(p))
  if (left.length > 0) problems.push(`processes left: ${left.join(', ')}`)
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  const nsLeft = net.info.namespaces.filter((ns) => new RegExp(`^${ns}\\b`, 'm').test(namespaces))
  if (nsLeft.length > 0) problems.push(`namespaces left: ${nsLeft.join(', ')}`)
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
  if (links.includes(`${net.info.bridge}:`)) problems.push(`bridge ${net.info.bridge} left`)
  if (new RegExp(`: ${net.info.bridge.replace(/br$/, '')}[vi]\\d+[@:]`).test(links)) problems.push('veth pairs left')
  return problems
}
