/**
 * Publishes the storage node's libp2p peer id and listen addresses on chain (`swork.set_peer_record`),
 * signed by its peer key, so that others can fetch the files the chain says it holds. Nothing is
 * sent when the chain already has the same record.
 */
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import type { Logger } from '@crust-ts/base'
import { MAX_PEER_ADDRS, peerRecordPayload } from '@crust-ts/chain'
import { peerRecordOf } from '@crust-ts/sdk'
import type { PrivateKey } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { callOf, NodeTxError, submitTx } from './tx.js'

// multiaddr protocol code of /p2p/<peer id>: the record names the peer id once, beside the addresses
const P2P_CODE = 421

/** The binary addresses a record lists: without their /p2p suffix, unique, at most MAX_PEER_ADDRS. */
export function recordAddresses(addrs: readonly Multiaddr[]): Uint8Array[] {
  const seen = new Set<string>()
  const out: Uint8Array[] = []
  for (const a of addrs) {
    const bare = a.decapsulateCode(P2P_CODE)
    const key = bare.toString()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(bare.bytes)
    if (out.length === MAX_PEER_ADDRS) break
  }
  return out
}

/** Blocks between two attempts after a failed one; attempts before giving up. */
const RETRY_BLOCKS = 10
const MAX_ATTEMPTS = 5

/**
 * Publishes the record once the account has an sWork identity (the chain creates it with the
 * node's first work report, after registration), checking at each new head; a refused attempt is
 * retried every RETRY_BLOCKS blocks, MAX_ATTEMPTS times. Resolves with a function that stops it.
 */
export async function publishPeerRecordOnceIdentified(
  api: ApiPromise,
  account: KeyringPair,
  peerKey: PrivateKey,
  listenAddrs: () => readonly Multiaddr[],
  log: Logger,
): Promise<() => void> {
  let done = false
  let busy = false
  let attempts = 0
  let lastAttempt = Number.NEGATIVE_INFINITY
  let unsubscribe: (() => void) | undefined
  const finish = () => {
    done = true
    unsubscribe?.()
  }
  unsubscribe = (await api.rpc.chain.subscribeNewHeads((head) => {
    const n = head.number.toNumber()
    if (done || busy || n - lastAttempt < RETRY_BLOCKS) return
    busy = true
    ;(async () => {
      const identity = (await api.query.swork!.identities!(account.address)) as unknown as { isNone: boolean }
      if (identity.isNone) return // not yet: its first work report creates it
      lastAttempt = n
      attempts++
      await publishPeerRecord(api, account, peerKey, listenAddrs(), log)
      finish()
    })()
      .catch((err: unknown) => {
        log.warn({ err, attempts }, `cannot publish the peer record (others find this node only through their peers): ${(err as Error).message}`)
        if (attempts >= MAX_ATTEMPTS) finish()
      })
      .finally(() => {
        busy = false
      })
  })) as unknown as () => void
  if (done) unsubscribe()
  return finish
}

/** Sets the record unless the chain has it already; resolves with whether a transaction was sent. */
export async function publishPeerRecord(
  api: ApiPromise,
  account: KeyringPair,
  peerKey: PrivateKey,
  listenAddrs: readonly Multiaddr[],
  log: Logger,
): Promise<boolean> {
  const peerId = peerKey.publicKey.toMultihash().bytes
  const addrs = recordAddresses(listenAddrs)
  const current = await peerRecordOf(api, account.address)
  const wanted = addrs.map((a) => multiaddr(a).toString())
  if (current !== undefined && current.peerId === base58btc.baseEncode(peerId) && current.multiaddrs.join() === wanted.join()) return false
  const signature = await peerKey.sign(peerRecordPayload(account.publicKey, peerId, addrs))
  // Hex, not Uint8Array: @polkadot/api reads a Uint8Array given for `Bytes` as already length-prefixed.
  const call = callOf(
    api,
    'swork',
    'setPeerRecord',
    u8aToHex(peerId),
    addrs.map((a) => u8aToHex(a)),
    u8aToHex(signature),
  )
  const error = await submitTx(api, call, account)
  if (error !== undefined) throw new NodeTxError(`the chain refused the peer record: ${error}`, error)
  log.info({ peerId: base58btc.baseEncode(peerId), addrs: addrs.length }, 'peer record published: others can fetch from this node')
  return true
}
