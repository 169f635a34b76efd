/** What a storage node publishes as its peer record, and which published addresses a fetcher dials. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_PEER_ADDRS } from '@crust-ts/chain'
import { isPublicAddress } from '../src/provider-hints.js'
import { recordAddresses } from '../src/peer-record.js'

const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'

describe('peer records: addresses', () => {
  it('behavior: the record lists each listen address once, without its /p2p suffix, at most MAX_PEER_ADDRS', () => {
    const listen = [
      multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`),
      multiaddr('/ip4/127.0.0.1/tcp/4001'),
      ...Array.from({ length: MAX_PEER_ADDRS + 2 }, (_, i) => multiaddr(`/ip4/198.51.100.${i + 1}/tcp/4001/p2p/${PEER}`)),
    ]
    const out = recordAddresses(listen).map((b) => multiaddr(b).toString())
    assert.equal(out.length, MAX_PEER_ADDRS)
    assert.equal(out[0], '/ip4/127.0.0.1/tcp/4001')
    assert.equal(out[1], '/ip4/198.51.100.1/tcp/4001')
    assert.ok(out.every((a) => !a.includes('/p2p/')))
  })

  it('behavior: outside dev chains only public addresses are dialled: loopback, private, link-local and garbage are not', () => {
    assert.equal(isPublicAddress('/ip4/93.184.216.34/tcp/4001'), true)
    assert.equal(isPublicAddress('/ip6/2606:4700::1111/tcp/4001'), true)
    for (const a of [
      '/ip4/127.0.0.1/tcp/4001',
      '/ip4/10.1.2.3/tcp/4001',
      '/ip4/192.168.1.9/tcp/4001',
      '/ip4/169.254.1.1/tcp/4001',
      '/ip6/::1/tcp/4001',
      '/ip6/fe80::1/tcp/4001',
      'nonsense',
    ]) {
      assert.equal(isPublicAddress(a), false, a)
    }
  })
})
