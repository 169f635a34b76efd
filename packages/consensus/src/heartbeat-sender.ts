/**
 * ImOnline heartbeats (Substrate's im-online offchain worker): once per session, after the
 * session's `HeartbeatAfter` block, a validator whose `im_online` session key is in the session's
 * `Keys` and that is not yet online (no heartbeat received, no block authored) signs a heartbeat
 * with that key and submits `ImOnline.heartbeat` from its validator account (an accepted heartbeat
 * pays no fee; see the chain's ImOnline pallet).
 */
import { type BlockRecord, type Chain, imOnline, type Runtime, type SigningKeys, staking, type TransactionPool } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'

export interface HeartbeatSenderComponents {
  chain: Chain
  pool: TransactionPool
  runtime: Runtime
  logger: ComponentLogger
}

export interface HeartbeatSenderInit {
  /** The validator account's sr25519 secret URI: it submits (and, were the heartbeat refused, pays for) the heartbeat. */
  validatorKey: string
  /** The node's session keys: the heartbeat is signed with the `imon` key it holds. */
  keys: SigningKeys
}

export class HeartbeatSender {
  private readonly log: Logger
  private readonly pair: KeyringPair
  /** The session a heartbeat was submitted for. */
  private sentFor: number | undefined
  /** Heartbeats submitted since start (their transaction hashes). */
  readonly submitted: string[] = []

  constructor(
    private readonly components: HeartbeatSenderComponents,
    private readonly init: HeartbeatSenderInit,
  ) {
    this.log = components.logger.forComponent('consensus:heartbeat')
    this.pair = new Keyring({ type: 'sr25519' }).addFromUri(init.validatorKey)
  }

  /** Sends this session's heartbeat on `best` when it is due; returns the transaction hash, if sent. */
  onBest(best: BlockRecord): string | undefined {
    const { chain, pool, runtime } = this.components
    const state = chain.stateAt(best)
    const session = staking.CurrentIndex.get(state)
    if (this.sentFor === session || best.number < imOnline.HeartbeatAfter.get(state)) return undefined
    const keys = imOnline.Keys.get(state)
    const index = keys.findIndex((key) => this.init.keys.signer(staking.KEY_TYPES.im_online, key) !== undefined)
    if (index < 0) return undefined
    const validator = staking.SessionValidators.get(state)[index]
    if (validator === undefined || imOnline.isOnline(state, session, index, validator)) return undefined
    const heartbeat = { block_number: best.number, session_index: session, authority_index: index, validators_len: keys.length }
    const signature = this.init.keys.signer(staking.KEY_TYPES.im_online, keys[index]!)!.sign(imOnline.heartbeatPayload(heartbeat))
    const registry = runtime.registry
    const call = registry.createType('Call', runtime.encodeCall({ tag: 'ImOnline', value: { tag: 'heartbeat', value: { heartbeat, signature } } }))
    const xt = registry.createType('Extrinsic', call)
    xt.sign(this.pair, {
      blockHash: chain.genesis.hash,
      genesisHash: chain.genesis.hash,
      nonce: pool.nextNonce(this.pair.publicKey),
      tip: 0n,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    try {
      const { hash } = pool.submit(xt.toU8a())
      this.sentFor = session
      this.submitted.push(hash)
      this.log.info({ session, authorityIndex: index, key: u8aToHex(keys[index]!), tx: hash }, 'heartbeat sent')
      return hash
    } catch (err) {
      // Tried again on the next block.
      this.log.warn({ err, session }, 'heartbeat refused by the pool')
      return undefined
    }
  }
}
