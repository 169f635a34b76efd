/** Which pins' origins the node may dial (issue 16): the address classifier and the per-pin and per-account bounds. */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import type { Logger } from '@crust-ts/base'
import { checkOrigin, classifyIPv4, classifyIPv6, defaultOriginDialOptions } from '../src/psa/index.js'
import { OriginDialer } from '../src/psa/origins.js'

const PEER = '12D3KooWGRUVh9UGi3jdVAtfSvfgxJoGvV1gMJYJGMwNzZ5vBbqY'

describe('pin origins: the address classifier', () => {
  it('behavior: IPv4 ranges', () => {
    const cases: Array<[string, ReturnType<typeof classifyIPv4>]> = [
      ['8.8.8.8', 'public'],
      ['1.1.1.1', 'public'],
      ['100.63.255.255', 'public'],
      ['100.128.0.0', 'public'],
      ['172.15.255.255', 'public'],
      ['172.32.0.0', 'public'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['100.64.0.1', 'cgnat'],
      ['100.127.255.255', 'cgnat'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['192.0.2.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      // Forms a resolver may read as another address are not guessed at.
      ['127.1', 'invalid'],
      ['0127.0.0.1', 'invalid'],
      ['0x7f.0.0.1', 'invalid'],
      ['2130706433', 'invalid'],
      ['256.0.0.1', 'invalid'],
      ['1.2.3.4.5', 'invalid'],
      ['', 'invalid'],
    ]
    for (const [ip, kind] of cases) assert.equal(classifyIPv4(ip), kind, ip)
  })

  it('behavior: IPv6 ranges, IPv4 embedded by mapping, NAT64 and 6to4 classified as IPv4', () => {
    const cases: Array<[string, ReturnType<typeof classifyIPv6>]> = [
      ['2606:4700:4700::1111', 'public'],
      ['2001:4860:4860::8888', 'public'],
      ['::', 'unspecified'],
      ['0:0:0:0:0:0:0:0', 'unspecified'],
      ['::1', 'loopback'],
      ['0:0:0:0:0:0:0:1', 'loopback'],
      ['fc00::1', 'unique-local'],
      ['fd12:3456:789a::1', 'unique-local'],
      ['fe80::1', 'link-local'],
      ['febf::1', 'link-local'],
      ['fec0::1', 'private'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'reserved'],
      ['100::1', 'reserved'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:10.1.2.3', 'private'],
      ['::ffff:8.8.8.8', 'public'],
      ['64:ff9b::192.168.0.1', 'private'],
      ['64:ff9b::8.8.8.8', 'public'],
      ['2002:c0a8:0101::1', 'private'],
      ['2002:0808:0808::1', 'public'],
      ['::127.0.0.1', 'reserved'],
      ['1::2::3', 'invalid'],
      ['1:2:3:4:5:6:7:8:9', 'invalid'],
      ['12345::1', 'invalid'],
      ['fe80::1%eth0', 'invalid'],
      ['::ffff:127.1', 'invalid'],
    ]
    for (const [ip, kind] of cases) assert.equal(classifyIPv6(ip), kind, ip)
  })

  it('behavior: origins need a public host and a peer id unless private dialing is allowed', () => {
    const refused: Array<[string, string]> = [
      [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`, 'loopback'],
      [`/ip4/192.168.1.10/tcp/4001/p2p/${PEER}`, 'private'],
      [`/ip4/100.64.1.1/udp/4001/quic-v1/p2p/${PEER}`, 'cgnat'],
      [`/ip4/169.254.169.254/tcp/80/p2p/${PEER}`, 'link-local'],
      [`/ip4/0.0.0.0/tcp/4001/p2p/${PEER}`, 'unspecified'],
      [`/ip6/::1/tcp/4001/p2p/${PEER}`, 'loopback'],
      [`/ip6/fd00::5/tcp/4001/p2p/${PEER}`, 'unique-local'],
      [`/ip6/ff02::1/tcp/4001/p2p/${PEER}`, 'multicast'],
      [`/ip6zone/eth0/ip6/fe80::1/tcp/4001/p2p/${PEER}`, 'local'],
      [`/unix/tmp/socket/p2p/${PEER}`, 'local'],
      [`/dns4/localhost/tcp/4001/p2p/${PEER}`, 'dns'],
      [`/dns/example.com/tcp/4001/p2p/${PEER}`, 'dns'],
      [`/dnsaddr/bootstrap.libp2p.io/p2p/${PEER}`, 'dns'],
      // A public relay in front of a private target is still refused: every host must be public.
      [`/ip4/8.8.8.8/tcp/4001/p2p/${PEER}/p2p-circuit/ip4/10.0.0.1/tcp/1/p2p/${PEER}`, 'private'],
      [`/p2p/${PEER}`, 'no-address'],
      [`/ipfs/${PEER}`, 'no-address'],
      ['/ip4/8.8.8.8/tcp/4001', 'no-peer-id'],
      ['/ip4/10.0.0.1/tcp/4001', 'no-peer-id'],
      [`/ip4/127.1/tcp/4001/p2p/${PEER}`, 'invalid'],
      [`/ip4/8.8.8.8/tcp/99999/p2p/${PEER}`, 'invalid'],
      [`/ip4/8.8.8.8/sctp/1/p2p/${PEER}`, 'invalid'],
      [`/ip4/8.8.8.8/tcp/4001/p2p/bad!id`, 'invalid'],
      [`ip4/8.8.8.8/tcp/4001/p2p/${PEER}`, 'invalid'],
      [`/ip4//tcp/4001/p2p/${PEER}`, 'invalid'],
      ['', 'invalid'],
    ]
    for (const [origin, reason] of refused) assert.deepEqual(checkOrigin(origin, false), { ok: false, reason }, origin)

    assert.deepEqual(checkOrigin(`/ip4/8.8.8.8/tcp/4001/p2p/${PEER}`, false), { ok: true, addr: `/ip4/8.8.8.8/tcp/4001/p2p/${PEER}` })
    assert.deepEqual(checkOrigin(`/ip6/2606:4700::1/udp/4001/quic-v1/p2p/${PEER}/`, false), {
      ok: true,
      addr: `/ip6/2606:4700::1/udp/4001/quic-v1/p2p/${PEER}`,
    })
    assert.deepEqual(checkOrigin(`/ip4/1.2.3.4/tcp/4001/ipfs/${PEER}`, false), { ok: true, addr: `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}` })

    // Allowed, private addresses and names are dialled; the form is still checked.
    for (const origin of [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`, `/ip6/::1/tcp/4001/p2p/${PEER}`, `/dns4/localhost/tcp/4001/p2p/${PEER}`]) {
      assert.deepEqual(checkOrigin(origin, true), { ok: true, addr: origin }, origin)
    }
    assert.deepEqual(checkOrigin(`/p2p/${PEER}`, true), { ok: false, reason: 'no-address' })
    assert.deepEqual(checkOrigin('/ip4/127.0.0.1/tcp/4001', true), { ok: false, reason: 'no-peer-id' })
    assert.deepEqual(checkOrigin(`/ip4/127.1/tcp/4001/p2p/${PEER}`, true), { ok: false, reason: 'invalid' })
  })
})

describe('pin origins: the dialer', () => {
  /** A Kubo API that only records `swarm/connect` calls. */
  const fakeNode = async () => {
    const connects: string[] = []
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/api/v0/swarm/connect') connects.push(url.searchParams.get('arg') ?? '')
      res.end('{}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return { api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connects, close: () => new Promise((r) => server.close(r)) }
  }
  const recordingLog = () => {
    const lines: Array<Record<string, unknown> & { msg: string }> = []
    const log = { debug: (obj: Record<string, unknown>, msg: string) => lines.push({ ...obj, msg }), info() {}, warn() {}, error() {} }
    return { lines, log: log as unknown as Logger }
  }
  const addr = (i: number) => `/ip4/8.8.${Math.floor(i / 250)}.${(i % 250) + 1}/tcp/4001/p2p/${PEER}`

  it('behavior: at most maxPerPin origins of one pin, refused ones skipped and logged at debug with the reason', async () => {
    const node = await fakeNode()
    const { lines, log } = recordingLog()
    try {
      const dialer = new OriginDialer(node.api, { ...defaultOriginDialOptions }, () => 1_000_000, log)
      const origins = [
        `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`,
        addr(0),
        addr(0),
        `/dns4/internal/tcp/1/p2p/${PEER}`,
        ...Array.from({ length: 10 }, (_, i) => addr(i + 1)),
      ]
      const dialled = dialer.dial('sub-a', 'r1', origins)
      assert.deepEqual(dialled, [addr(0), addr(1), addr(2), addr(3)])
      const reasons = lines.filter((l) => l.msg === 'pin origin not dialled').map((l) => l.reason)
      assert.deepEqual(reasons, ['loopback', 'duplicate', 'dns', ...Array(7).fill('too-many-per-pin')])
      assert.equal(lines[0]!.origin, origins[0])
      const deadline = Date.now() + 10_000
      while (node.connects.length < 4) {
        assert.ok(Date.now() < deadline, 'the dials never arrived')
        await new Promise((r) => setTimeout(r, 20))
      }
      assert.deepEqual(node.connects.sort(), dialled.sort())
    } finally {
      await node.close()
    }
  })

  it('behavior: an account dials at most perAccountPerMinute distinct origins a minute; other accounts are not held up', async () => {
    const node = await fakeNode()
    let now = 5_000_000
    try {
      const dialer = new OriginDialer(node.api, { ...defaultOriginDialOptions, perAccountPerMinute: 6 }, () => now, undefined)
      let total = 0
      for (let pin = 0; pin < 5; pin++)
        total += dialer.dial(
          'sub-a',
          `r${pin}`,
          [0, 1, 2, 3].map((i) => addr(pin * 4 + i)),
        ).length
      assert.equal(total, 6)
      // The same origin again within the minute is not dialled again (nor counted).
      assert.deepEqual(dialer.dial('sub-a', 'again', [addr(0)]), [])
      assert.equal(dialer.dial('sub-b', 'rb', [addr(100)]).length, 1)
      now += 60_000
      assert.equal(dialer.dial('sub-a', 'later', [addr(0), addr(50), addr(51), addr(52), addr(53)]).length, 4)
    } finally {
      await node.close()
    }
  })
})
