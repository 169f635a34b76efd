/**
 * Who holds what, reachable: each storage node links its libp2p peer id and addresses to its
 * account, so that a file's replica holders (`market.filesV2(cid).replicas[].who`) map to peers a
 * fetcher can dial. The record is signed twice: by the account (the extrinsic) and by the peer key
 * (over the account and the record), so nobody can point their account at someone else's peer id,
 * nor someone else's account at their peer. Bounded in size; whether an address is worth dialling
 * (no loopback or private hosts outside dev chains) is the fetcher's call, not the chain's.
 */
import { ed25519Verify } from '@polkadot/wasm-crypto'
import { stringToU8a, u8aConcat } from '@polkadot/util'
import { bytes, struct, vec } from '../../primitives/codec/scale-type.js'
import { type DispatchContext, moduleError } from '../../frame/pallet.js'
import { sworkErrors, sworkEvents } from './events.js'
import { Identities, PeerRecords } from './storage.js'
import { PATH } from './types.js'

/** At most this many addresses per record. */
export const MAX_PEER_ADDRS = 8
/** At most this many bytes per binary multiaddr (an IPv6 + TCP address is 20; DNS names need more). */
export const MAX_PEER_ADDR_BYTES = 96
/** What the peer key signs before the account and the record: a record signed for anything else never verifies. */
export const PEER_RECORD_DOMAIN = stringToU8a('crust-ts:swork:peer-record:v1')

const peerRecordBody = struct([PATH, 'PeerRecordBody'], { peer_id: bytes, addrs: vec(bytes, 'Vec<Vec<u8>>') })

/** The bytes the peer key signs: the domain, the account, then the SCALE-encoded peer id and addresses. */
export function peerRecordPayload(account: Uint8Array, peerId: Uint8Array, addrs: readonly Uint8Array[]): Uint8Array {
  return u8aConcat(PEER_RECORD_DOMAIN, account, peerRecordBody.codec.enc({ peer_id: peerId, addrs: [...addrs] }))
}

// identity multihash (0x00), length 36, then the libp2p PublicKey protobuf: Type = Ed25519 (0x08 0x01), Data (0x12 0x20) 32 bytes
const ED25519_PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)

/** The Ed25519 public key a libp2p peer id (binary) embeds, or `undefined` for any other kind of peer id. */
export function ed25519KeyOfPeerId(peerId: Uint8Array): Uint8Array | undefined {
  if (peerId.length !== ED25519_PEER_ID_PREFIX.length + 32) return undefined
  for (let i = 0; i < ED25519_PEER_ID_PREFIX.length; i++) if (peerId[i] !== ED25519_PEER_ID_PREFIX[i]) return undefined
  return peerId.subarray(ED25519_PEER_ID_PREFIX.length)
}

export interface SetPeerRecordArgs {
  peer_id: Uint8Array
  addrs: Uint8Array[]
  peer_sig: Uint8Array
}

/** `set_peer_record`: a registered storage node (one with an sWork identity) publishes where it listens. */
export function setPeerRecord(ctx: DispatchContext, who: Uint8Array, args: SetPeerRecordArgs): void {
  if (!Identities.contains(ctx.state, who)) throw moduleError(sworkErrors.IdentityNotExist)
  if (args.addrs.length > MAX_PEER_ADDRS || args.addrs.some((a) => a.length === 0 || a.length > MAX_PEER_ADDR_BYTES)) {
    throw moduleError(sworkErrors.IllegalPeerRecord)
  }
  const key = ed25519KeyOfPeerId(args.peer_id)
  if (key === undefined) throw moduleError(sworkErrors.IllegalPeerRecord)
  if (args.peer_sig.length !== 64 || !ed25519Verify(args.peer_sig, peerRecordPayload(who, args.peer_id, args.addrs), key)) {
    throw moduleError(sworkErrors.IllegalPeerSignature)
  }
  PeerRecords.insert(ctx.state, who, { peer_id: args.peer_id, addrs: args.addrs, updated_at: ctx.blockNumber })
  ctx.deposit(sworkEvents.PeerRecordSet, { who, peer_id: args.peer_id })
}

/** `clear_peer_record`: the account's record is removed (a no-op error when it has none). */
export function clearPeerRecord(ctx: DispatchContext, who: Uint8Array): void {
  if (!PeerRecords.contains(ctx.state, who)) throw moduleError(sworkErrors.PeerRecordNotExist)
  PeerRecords.remove(ctx.state, who)
  ctx.deposit(sworkEvents.PeerRecordCleared, { who })
}
