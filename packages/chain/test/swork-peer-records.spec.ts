/** sWork peer records: a storage node links its libp2p peer id and addresses to its account, signed by both keys. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { u8aToHex } from '@polkadot/util'
import { ed25519PairFromSeed, ed25519Sign } from '@polkadot/util-crypto'
import { ed25519KeyOfPeerId, MAX_PEER_ADDRS, PeerRecords, peerRecordPayload } from '../src/pallets/swork/index.js'
import { signed } from './fixtures/runtime-harness.js'
import type { RuntimeHarness } from './fixtures/runtime-harness.js'
import { account, assertError, newReporter, openBlock, sworkEvents, sworkHarness } from './fixtures/swork-env.js'

const NODE = account(21)
const STRANGER = account(22)

/** A libp2p Ed25519 peer key: the peer id is the identity multihash of the key's protobuf. */
function peerKey(seed: number) {
  const pair = ed25519PairFromSeed(new Uint8Array(32).fill(seed))
  const peerId = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...pair.publicKey)
  return { peerId, sign: (who: Uint8Array, addrs: Uint8Array[]) => ed25519Sign(peerRecordPayload(who, peerId, addrs), pair) }
}

// /ip4/10.0.0.7/tcp/4001 as a binary multiaddr
const ADDR = Uint8Array.of(0x04, 10, 0, 0, 7, 0x06, 0x0f, 0xa1)

const setRecord = (h: RuntimeHarness, who: Uint8Array, args: { peer_id: Uint8Array; addrs: Uint8Array[]; peer_sig: Uint8Array }) =>
  h.call(signed(who), 'Swork', 'set_peer_record', args)

describe('swork: peer records', () => {
  it('behavior: a registered node publishes its peer id and addresses; an update replaces them; clear removes them', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    newReporter(h, NODE)
    const key = peerKey(1)
    assert.deepEqual(ed25519KeyOfPeerId(key.peerId), key.peerId.subarray(6))
    assert.equal(setRecord(h, NODE, { peer_id: key.peerId, addrs: [ADDR], peer_sig: key.sign(NODE, [ADDR]) }), undefined)
    assert.deepEqual(PeerRecords.get(h.state, NODE), { peer_id: key.peerId, addrs: [ADDR], updated_at: 2 })
    const events = sworkEvents(h.endBlock()).filter((e) => e.method.startsWith('PeerRecord'))
    assert.deepEqual(events, [{ method: 'PeerRecordSet', data: [u8aToHex(NODE), u8aToHex(key.peerId)] }])

    openBlock(h, 3)
    const moved = Uint8Array.of(0x04, 10, 0, 0, 8, 0x06, 0x0f, 0xa1)
    assert.equal(setRecord(h, NODE, { peer_id: key.peerId, addrs: [moved], peer_sig: key.sign(NODE, [moved]) }), undefined)
    assert.deepEqual(PeerRecords.get(h.state, NODE), { peer_id: key.peerId, addrs: [moved], updated_at: 3 })
    assert.equal(h.call(signed(NODE), 'Swork', 'clear_peer_record', {}), undefined)
    assert.equal(PeerRecords.get(h.state, NODE), undefined)
    assertError(h, h.call(signed(NODE), 'Swork', 'clear_peer_record', {}), 'PeerRecordNotExist')
  })

  it('error: an account without an sWork identity cannot publish (IdentityNotExist)', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const key = peerKey(2)
    assertError(h, setRecord(h, STRANGER, { peer_id: key.peerId, addrs: [ADDR], peer_sig: key.sign(STRANGER, [ADDR]) }), 'IdentityNotExist')
    assert.equal(PeerRecords.get(h.state, STRANGER), undefined)
  })

  it('error: a signature by another peer key, over another account or other addresses, is refused (IllegalPeerSignature)', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    newReporter(h, NODE)
    newReporter(h, STRANGER)
    const victim = peerKey(3)
    const attacker = peerKey(4)
    // The attacker claims the victim's peer id with its own key's signature.
    assertError(h, setRecord(h, STRANGER, { peer_id: victim.peerId, addrs: [ADDR], peer_sig: attacker.sign(STRANGER, [ADDR]) }), 'IllegalPeerSignature')
    // A record the victim signed for NODE, replayed by another account.
    const forNode = victim.sign(NODE, [ADDR])
    assertError(h, setRecord(h, STRANGER, { peer_id: victim.peerId, addrs: [ADDR], peer_sig: forNode }), 'IllegalPeerSignature')
    // The right signature with the addresses changed (aiming the network at another host).
    const other = Uint8Array.of(0x04, 192, 0, 2, 1, 0x06, 0x00, 0x50)
    assertError(h, setRecord(h, NODE, { peer_id: victim.peerId, addrs: [other], peer_sig: forNode }), 'IllegalPeerSignature')
    assertError(h, setRecord(h, NODE, { peer_id: victim.peerId, addrs: [ADDR], peer_sig: forNode.subarray(0, 63) }), 'IllegalPeerSignature')
    assert.equal(PeerRecords.get(h.state, NODE), undefined)
    assert.equal(PeerRecords.get(h.state, STRANGER), undefined)
  })

  it('error: non-Ed25519 peer ids, too many or oversized addresses are refused (IllegalPeerRecord)', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    newReporter(h, NODE)
    const key = peerKey(5)
    // A sha256 multihash peer id (as RSA keys have) names no key the chain can check.
    const hashed = Uint8Array.of(0x12, 0x20, ...new Uint8Array(32).fill(9))
    assertError(h, setRecord(h, NODE, { peer_id: hashed, addrs: [ADDR], peer_sig: key.sign(NODE, [ADDR]) }), 'IllegalPeerRecord')
    const many = Array.from({ length: MAX_PEER_ADDRS + 1 }, () => ADDR)
    assertError(h, setRecord(h, NODE, { peer_id: key.peerId, addrs: many, peer_sig: key.sign(NODE, many) }), 'IllegalPeerRecord')
    const huge = [new Uint8Array(97).fill(1)]
    assertError(h, setRecord(h, NODE, { peer_id: key.peerId, addrs: huge, peer_sig: key.sign(NODE, huge) }), 'IllegalPeerRecord')
    const empty = [new Uint8Array(0)]
    assertError(h, setRecord(h, NODE, { peer_id: key.peerId, addrs: empty, peer_sig: key.sign(NODE, empty) }), 'IllegalPeerRecord')
    assert.equal(PeerRecords.get(h.state, NODE), undefined)
  })
})
