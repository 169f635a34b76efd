/**
 * A pin's `origins` (multiaddrs of peers that hold the data, per the Pinning Service API) are dialled
 * from the node, so its fetch starts from a provider it already knows instead of a network search.
 *
 * Origins come from any W3Auth identity, and keys cost nothing, so they are checked before the node
 * dials them (issue 16): only addresses whose every host is a public IP are dialled, unless the
 * operator allows private ones (`dialPrivate`, e.g. `crust dev`, whose nodes listen on loopback);
 * at most `maxPerPin` per pin, `perAccountPerMinute` distinct addresses per account and minute and
 * `maxInFlight` dials at once. Origins are hints (the spec's word): a refused one is skipped with a
 * debug line, and the pin is accepted all the same.
 *
 * DNS names (`/dns`, `/dns4`, `/dns6`, `/dnsaddr`) are refused when private dialing is off: the node
 * resolves them itself when it dials, so checking our own lookup would leave a window for a name that
 * answers a public address to us and a private one to the node (DNS rebinding), and `dnsaddr` expands
 * into further addresses we never see. Peers publish IP addresses too, and the node still finds
 * providers through its routing, so nothing is lost but a hint.
 */
import type { Logger } from '@crust-ts/base'

const DIAL_TIMEOUT_MS = 15_000
/** Origins longer than this are logged cut. */
const LOGGED_ORIGIN_CHARS = 200

/** Limits on dialling pins' origins. */
export interface OriginDialOptions {
  /** Dial loopback, private, link-local, … addresses and DNS names too (a private network; default false). */
  dialPrivate: boolean
  /** Origins of one pin dialled at most (the first ones that pass; the spec allows 20 per pin; default 4). */
  maxPerPin: number
  /** Distinct origins one account may have dialled per minute (default 20). */
  perAccountPerMinute: number
  /** Dials under way at once for the whole service (default 32). */
  maxInFlight: number
}

export const defaultOriginDialOptions: Readonly<OriginDialOptions> = Object.freeze({
  dialPrivate: false,
  maxPerPin: 4,
  perAccountPerMinute: 20,
  maxInFlight: 32,
})

/** Why an origin is not dialled. */
export type OriginRefusal =
  /** Not a multiaddr this check understands (unknown protocol, missing or malformed value). */
  | 'invalid'
  /** No `/p2p/<peer id>`: a dial needs the peer it connects to. */
  | 'no-peer-id'
  /** Only a peer id: the node would dial whatever addresses it has for it, which cannot be checked. */
  | 'no-address'
  /** A DNS name (see the module comment). */
  | 'dns'
  /** A Unix socket or an IPv6 zone: local by nature. */
  | 'local'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  /** Broadcast, documentation, benchmarking and other special-purpose ranges. */
  | 'reserved'
  | 'too-many-per-pin'
  | 'account-rate'
  | 'busy'
  /** Named twice in the pin. */
  | 'duplicate'
  /** Dialled for this account less than a minute ago. */
  | 'recently-dialled'

/** The kind of an IP address: `public` or why it is not. */
export type IpClass = 'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'unique-local' | 'multicast' | 'reserved' | 'invalid'

/** Parses dotted-quad IPv4 strictly (4 decimal octets, no leading zeros) into a 32-bit number. */
function parseIPv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined
    const octet = Number(part)
    if (octet > 255) return undefined
    value = value * 256 + octet
  }
  return value
}

/** Parses IPv6 text (with `::` and a trailing dotted IPv4) into eight 16-bit groups. */
function parseIPv6(text: string): number[] | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined
  let tail: number[] = []
  let body = text
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail = [Math.floor(v4 / 65536), v4 % 65536]
    body = text.slice(0, lastColon + 1)
    if (!body.endsWith('::')) body = body.slice(0, -1)
  }
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const groups = (half: string): number[] | undefined => {
    if (half === '') return []
    const out: number[] = []
    for (const g of half.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined
      out.push(Number.parseInt(g, 16))
    }
    return out
  }
  const head = groups(halves[0]!)
  if (head === undefined) return undefined
  if (halves.length === 1) {
    const all = [...head, ...tail]
    return all.length === 8 ? all : undefined
  }
  const rest = groups(halves[1]!)
  if (rest === undefined) return undefined
  const missing = 8 - head.length - rest.length - tail.length
  if (missing < 1) return undefined
  return [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail]
}

const inV4 = (ip: number, base: string, bits: number): boolean => {
  const size = 2 ** (32 - bits)
  return Math.floor(ip / size) === Math.floor(parseIPv4(base)! / size)
}

/** Classifies dotted-quad IPv4 text. */
export function classifyIPv4(text: string): IpClass {
  const ip = parseIPv4(text)
  return ip === undefined ? 'invalid' : classifyV4(ip)
}

function classifyV4(ip: number): IpClass {
  if (inV4(ip, '0.0.0.0', 8)) return 'unspecified'
  if (inV4(ip, '127.0.0.0', 8)) return 'loopback'
  if (inV4(ip, '10.0.0.0', 8) || inV4(ip, '172.16.0.0', 12) || inV4(ip, '192.168.0.0', 16)) return 'private'
  if (inV4(ip, '169.254.0.0', 16)) return 'link-local'
  if (inV4(ip, '100.64.0.0', 10)) return 'cgnat'
  if (inV4(ip, '224.0.0.0', 4)) return 'multicast'
  // IETF assignments, documentation, benchmarking, 240/4 (reserved, with the broadcast address).
  for (const [base, bits] of [
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['198.18.0.0', 15],
    ['240.0.0.0', 4],
  ] as const) {
    if (inV4(ip, base, bits)) return 'reserved'
  }
  return 'public'
}

/** Classifies IPv6 text; IPv4 embedded by mapping (`::ffff:a.b.c.d`), NAT64 or 6to4 is classified as IPv4. */
export function classifyIPv6(text: string): IpClass {
  const g = parseIPv6(text)
  if (g === undefined) return 'invalid'
  const v4 = (hi: number, lo: number) => classifyV4(hi * 65536 + lo)
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeros(8)) return 'unspecified'
  if (zeros(7) && g[7] === 1) return 'loopback'
  if (zeros(5) && g[5] === 0xffff) return v4(g[6]!, g[7]!) // IPv4-mapped
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!) // NAT64
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private' // local-use NAT64 (RFC 8215)
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!) // 6to4
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local'
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local'
  if ((g[0]! & 0xffc0) === 0xfec0) return 'private' // site-local (deprecated)
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast'
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved' // documentation
  if (g[0] === 0x2001 && g[1]! < 0x0200) return 'reserved' // IETF protocol assignments (Teredo, ORCHID, …)
  // Global unicast is 2000::/3; the rest (IPv4-compatible ::/96, discard 100::/64, …) is not routable.
  return (g[0]! & 0xe000) === 0x2000 ? 'public' : 'reserved'
}

/** Protocols with a value, and those without, that an origin may name (libp2p's multiaddr table). */
const WITH_VALUE = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr', 'tcp', 'udp', 'p2p', 'ipfs', 'sni', 'certhash', 'ip6zone', 'unix'])
const WITHOUT_VALUE = new Set([
  'quic',
  'quic-v1',
  'ws',
  'wss',
  'tls',
  'noise',
  'yamux',
  'webtransport',
  'webrtc',
  'webrtc-direct',
  'p2p-circuit',
  'http',
  'https',
])

export type OriginCheck = { ok: true; addr: string } | { ok: false; reason: OriginRefusal }

/**
 * Checks one origin multiaddr: `ok` with the address to dial (rebuilt from the parts checked, `/ipfs/`
 * written `/p2p/`), or the reason it is refused. With `dialPrivate` only the form is checked.
 */
export function checkOrigin(origin: string, dialPrivate: boolean): OriginCheck {
  if (!origin.startsWith('/') || origin.length > 1024) return { ok: false, reason: 'invalid' }
  const parts = origin.slice(1).split('/')
  if (parts.at(-1) === '') parts.pop()
  const out: string[] = []
  let hosts = 0
  let peer = false
  let refusal: OriginRefusal | undefined
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!
    if (WITHOUT_VALUE.has(name)) {
      out.push(name)
      continue
    }
    if (!WITH_VALUE.has(name)) return { ok: false, reason: 'invalid' }
    if (name === 'unix') {
      if (!dialPrivate) return { ok: false, reason: 'local' }
      const path = parts.slice(i + 1).join('/')
      if (path === '') return { ok: false, reason: 'invalid' }
      out.push(name, path)
      hosts++
      break
    }
    const value = parts[++i]
    if (value === undefined || value === '') return { ok: false, reason: 'invalid' }
    switch (name) {
      case 'ip4':
      case 'ip6': {
        const kind = name === 'ip4' ? classifyIPv4(value) : classifyIPv6(value)
        if (kind === 'invalid') return { ok: false, reason: 'invalid' }
        if (kind !== 'public') refusal ??= kind
        hosts++
        break
      }
      case 'dns':
      case 'dns4':
      case 'dns6':
      case 'dnsaddr':
        if (!/^[A-Za-z0-9.-]{1,253}$/.test(value)) return { ok: false, reason: 'invalid' }
        refusal ??= 'dns'
        hosts++
        break
      case 'ip6zone':
        refusal ??= 'local'
        break
      case 'tcp':
      case 'udp':
        if (!/^(0|[1-9][0-9]{0,4})$/.test(value) || Number(value) > 65535) return { ok: false, reason: 'invalid' }
        break
      case 'p2p':
      case 'ipfs':
        if (!/^[A-Za-z0-9]{1,128}$/.test(value)) return { ok: false, reason: 'invalid' }
        peer = true
        break
      default: // sni, certhash
        if (!/^[A-Za-z0-9._-]{1,253}$/.test(value)) return { ok: false, reason: 'invalid' }
    }
    out.push(name === 'ipfs' ? 'p2p' : name, value)
  }
  if (!peer) return { ok: false, reason: 'no-peer-id' }
  if (hosts === 0) return { ok: false, reason: 'no-address' }
  if (refusal !== undefined && !dialPrivate) return { ok: false, reason: refusal }
  return { ok: true, addr: `/${out.join('/')}` }
}

const cut = (origin: string) => (origin.length > LOGGED_ORIGIN_CHARS ? `${origin.slice(0, LOGGED_ORIGIN_CHARS)}…` : origin)

/** Decides which origins are dialled (policy and per-account windows) and dials them through `swarm/connect`. */
export class OriginDialer {
  /** Per account: origins dialled in the current minute (address → time). */
  private readonly recent = new Map<string, Map<string, number>>()
  private inFlight = 0
  private lastSweep = 0

  constructor(
    private readonly ipfsApi: string,
    private readonly options: OriginDialOptions,
    private readonly now: () => number,
    private readonly log: Logger | undefined,
  ) {}

  /** Best effort and in the background: a pin is accepted whether or not its origins answer. Returns the addresses dialled. */
  dial(account: string, requestid: string, origins: readonly string[]): string[] {
    const now = this.now()
    this.sweep(now)
    const dialled: string[] = []
    const refuse = (origin: string, reason: OriginRefusal) =>
      this.log?.debug({ requestid, owner: account, origin: cut(origin), reason }, 'pin origin not dialled')
    let recent = this.recent.get(account)
    for (const origin of origins) {
      const check = checkOrigin(origin, this.options.dialPrivate)
      if (!check.ok) {
        refuse(origin, check.reason)
        continue
      }
      if (dialled.includes(check.addr)) {
        refuse(origin, 'duplicate')
        continue
      }
      const last = recent?.get(check.addr)
      if (last !== undefined && now - last < 60_000) {
        refuse(origin, 'recently-dialled')
        continue
      }
      if (dialled.length >= this.options.maxPerPin) {
        refuse(origin, 'too-many-per-pin')
        continue
      }
      if (recent !== undefined) for (const [addr, at] of recent) if (now - at >= 60_000) recent.delete(addr)
      if ((recent?.size ?? 0) >= this.options.perAccountPerMinute) {
        refuse(origin, 'account-rate')
        continue
      }
      if (this.inFlight >= this.options.maxInFlight) {
        refuse(origin, 'busy')
        continue
      }
      if (recent === undefined) {
        recent = new Map()
        this.recent.set(account, recent)
      }
      recent.set(check.addr, now)
      dialled.push(check.addr)
      this.connect(check.addr)
    }
    return dialled
  }

  private connect(origin: string) {
    this.inFlight++
    const url = new URL(`/api/v0/swarm/connect?arg=${encodeURIComponent(origin)}`, this.ipfsApi)
    fetch(url, { method: 'POST', signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      .then(async (res) => {
        const text = await res.text()
        if (res.ok) this.log?.debug({ origin }, 'connected to a pin origin')
        else this.log?.debug({ origin, status: res.status, reply: text.slice(0, 200) }, 'pin origin not reachable')
      })
      .catch((err: unknown) => this.log?.debug({ origin, err: (err as Error).message }, 'pin origin not reachable'))
      .finally(() => this.inFlight--)
  }

  /** Drops the windows of accounts idle for a minute (at most once a minute). */
  private sweep(now: number) {
    if (now - this.lastSweep < 60_000) return
    this.lastSweep = now
    for (const [account, recent] of this.recent) {
      for (const [addr, at] of recent) if (now - at >= 60_000) recent.delete(addr)
      if (recent.size === 0) this.recent.delete(account)
    }
  }
}
