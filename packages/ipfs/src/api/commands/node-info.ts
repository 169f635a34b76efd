/**
 * `id`, `version`, `swarm/peers`, `swarm/connect`, and `stats/bitswap` (= `bitswap/stat`) extended
 * with the node's per-peer retrieval scores.
 */
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { arg, opt } from '../command.js'
import { REPO_VERSION } from '../constants.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'

const NOT_ONLINE = "this command must be run in online mode. Try running 'ipfs daemon' first"

type PeerId = Libp2p['peerId']

/** The libp2p host behind the node's Helia (undefined for a Helia without libp2p). */
function libp2pOf(ctx: CommandContext): Libp2p | undefined {
  let candidate: Libp2p | undefined
  try {
    // Helia's getter throws until the node is started
    candidate = (ctx.node.helia as unknown as { libp2p?: Libp2p }).libp2p
  } catch {
    return undefined
  }
  return candidate !== undefined && typeof candidate.getMultiaddrs === 'function' ? candidate : undefined
}

function online(ctx: CommandContext): Libp2p {
  const libp2p = libp2pOf(ctx)
  if (libp2p === undefined || libp2p.status !== 'started') throw KuboApiError.command(NOT_ONLINE)
  return libp2p
}

function publicKeyBase64(peerId: PeerId): string {
  const key = peerId.publicKey
  return key === undefined ? '' : Buffer.from(publicKeyToProtobuf(key)).toString('base64')
}

/** `/p2p/<id>` suffix of an address (Kubo's `AddrInfoToP2pAddrs`). */
function withPeer(addr: string, peer: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peer}`
}

function withoutPeer(addr: string): string {
  const i = addr.indexOf('/p2p/')
  return i < 0 ? addr : addr.slice(0, i)
}

async function id(ctx: CommandContext): Promise<void> {
  const libp2p = libp2pOf(ctx)
  if (libp2p === undefined) throw KuboApiError.command(NOT_ONLINE)
  const self = libp2p.peerId.toString()
  const target = ctx.args[0]
  if (target !== undefined && target !== self) {
    let peer: PeerId
    try {
      peer = peerIdFromString(target)
    } catch {
      throw KuboApiError.command('invalid peer id')
    }
    let info: Awaited<ReturnType<Libp2p['peerStore']['get']>>
    try {
      info = await libp2p.peerStore.get(peer)
    } catch {
      throw KuboApiError.command(`failed to find peer ${target} (this node only knows peers it connected to)`)
    }
    const addresses = info.addresses.map((a) => withPeer(a.multiaddr.toString(), target)).sort()
    await ctx.out.emitOnce({
      ID: target,
      PublicKey: publicKeyBase64(info.id),
      Addresses: addresses.length === 0 ? null : addresses,
      AgentVersion: new TextDecoder().decode(info.metadata.get('AgentVersion') ?? new Uint8Array()),
      Protocols: [...info.protocols].sort(),
    })
    return
  }
  const addresses = libp2p
    .getMultiaddrs()
    .map((a) => withPeer(a.toString(), self))
    .sort()
  await ctx.out.emitOnce({
    ID: self,
    PublicKey: publicKeyBase64(libp2p.peerId),
    Addresses: addresses.length === 0 ? null : addresses,
    AgentVersion: ctx.env.options.agentVersion,
    Protocols: [...libp2p.getProtocols()].sort(),
  })
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' }
const GO_OS: Record<string, string> = { win32: 'windows' }

async function version(ctx: CommandContext): Promise<void> {
  await ctx.out.emitOnce({
    Version: ctx.env.options.version,
    Commit: '',
    Repo: REPO_VERSION,
    System: `${GO_ARCH[process.arch] ?? process.arch}/${GO_OS[process.platform] ?? process.platform}`,
    Golang: `node${process.versions.node}`,
  })
}

const EMPTY_ID = { ID: '', PublicKey: '', Addresses: null, AgentVersion: '', Protocols: null }

async function swarmPeers(ctx: CommandContext): Promise<void> {
  const libp2p = online(ctx)
  const verbose = ctx.options.bool('verbose') ?? false
  const withLatency = verbose || (ctx.options.bool('latency') ?? false)
  const withStreams = verbose || (ctx.options.bool('streams') ?? false)
  const withDirection = verbose || (ctx.options.bool('direction') ?? false)
  const withIdentify = verbose || (ctx.options.bool('identify') ?? false)
  const peers: Array<Record<string, unknown>> = []
  for (const conn of libp2p.getConnections()) {
    const peer = conn.remotePeer.toString()
    let identify: Record<string, unknown> = EMPTY_ID
    if (withIdentify) {
      try {
        const info = await libp2p.peerStore.get(conn.remotePeer)
        const addrs = info.addresses.map((a) => withPeer(a.multiaddr.toString(), peer)).sort()
        identify = {
          ID: peer,
          PublicKey: publicKeyBase64(info.id),
          Addresses: addrs.length === 0 ? null : addrs,
          AgentVersion: new TextDecoder().decode(info.metadata.get('AgentVersion') ?? new Uint8Array()),
          Protocols: [...info.protocols].sort(),
        }
      } catch {
        identify = { ...EMPTY_ID, ID: peer }
      }
    }
    const streams = withStreams
      ? conn.streams.map((s) => ({ Protocol: s.protocol ?? '' })).sort((a, b) => (a.Protocol < b.Protocol ? -1 : a.Protocol > b.Protocol ? 1 : 0))
      : undefined
    peers.push({
      Addr: withoutPeer(conn.remoteAddr.toString()),
      Peer: peer,
      Latency: withLatency ? (conn.rtt === undefined ? 'n/a' : `${conn.rtt}ms`) : undefined,
      Direction: withDirection ? (conn.direction === 'inbound' ? 1 : 2) : undefined,
      Streams: streams === undefined || streams.length === 0 ? undefined : streams,
      Identify: identify,
    })
  }
  peers.sort((a, b) => ((a.Addr as string) < (b.Addr as string) ? -1 : (a.Addr as string) > (b.Addr as string) ? 1 : 0))
  await ctx.out.emitOnce({ Peers: peers.length === 0 ? null : peers })
}

async function swarmConnect(ctx: CommandContext): Promise<void> {
  const libp2p = online(ctx)
  const output: string[] = []
  const targets = ctx.args.map((text) => {
    let ma: ReturnType<typeof multiaddr>
    try {
      ma = multiaddr(text)
    } catch (err) {
      throw KuboApiError.command(`invalid multiaddr ${JSON.stringify(text)}: ${err instanceof Error ? err.message : String(err)}`)
    }
    const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (peer === undefined) throw KuboApiError.command('invalid p2p multiaddr')
    return { ma, peer }
  })
  for (const { ma, peer } of targets) {
    const line = `connect ${peer}`
    try {
      await libp2p.dial(ma, { signal: ctx.signal })
    } catch (err) {
      throw KuboApiError.command(`${line} failure: ${err instanceof Error ? err.message : String(err)}`, err)
    }
    output.push(`${line} success`)
  }
  await ctx.out.emitOnce({ Strings: output })
}

/**
 * Kubo's bitswap statistics, with the numbers this node tracks (blocks and bytes received from
 * peers come from the retrieval scores), plus `RetrievalScores`: the per-peer record the chain-aware
 * ranking uses.
 */
async function bitswapStat(ctx: CommandContext): Promise<void> {
  const libp2p = libp2pOf(ctx)
  if (libp2p === undefined || libp2p.status !== 'started') throw KuboApiError.client(`unable to run offline: ${NOT_ONLINE}`)
  const scores = ctx.node.retrieval.list()
  let blocks = 0
  let bytes = 0
  for (const s of scores) {
    blocks += s.successes
    bytes += s.bytes
  }
  await ctx.out.emitOnce({
    Wantlist: [],
    Peers: libp2p
      .getPeers()
      .map((p) => p.toString())
      .sort(),
    BlocksReceived: blocks,
    DataReceived: bytes,
    DupBlksReceived: 0,
    DupDataReceived: 0,
    MessagesReceived: 0,
    BlocksSent: 0,
    DataSent: 0,
    RetrievalScores: scores
      .map((s) => ({
        Peer: s.peerId,
        Successes: s.successes,
        Failures: s.failures,
        Bytes: s.bytes,
        WrongBlocks: s.wrongBlocks,
        MeanLatencyMs: s.meanLatencyMs,
        Score: s.score,
      }))
      .sort((a, b) => b.Score - a.Score || (a.Peer < b.Peer ? -1 : 1)),
  })
}

export const nodeInfoCommands: CommandTable = {
  id: {
    args: [arg.string('peerid', false)],
    options: [opt.string(['format', 'f']), opt.string('peerid-base', 'b58mh')],
    run: id,
  },
  version: {
    args: [],
    options: [opt.bool(['number', 'n']), opt.bool('commit'), opt.bool('repo'), opt.bool('all')],
    run: version,
  },
  'swarm/peers': {
    args: [],
    options: [opt.bool(['verbose', 'v']), opt.bool('streams'), opt.bool('latency'), opt.bool('direction'), opt.bool('identify')],
    run: swarmPeers,
  },
  'swarm/connect': {
    args: [arg.string('address', true, true)],
    options: [],
    run: swarmConnect,
  },
  'stats/bitswap': {
    args: [],
    options: [opt.bool(['verbose', 'v']), opt.bool('human')],
    run: bitswapStat,
  },
  'bitswap/stat': {
    args: [],
    options: [opt.bool(['verbose', 'v']), opt.bool('human')],
    run: bitswapStat,
  },
}
