/**
 * Reports equivocations on chain: for a block equivocation the chain noticed (two sealed headers
 * of one slot by one author) or a vote equivocation the finality gadget noticed (two signed votes
 * of one round), submits `Staking.report_equivocation` signed by this validator's key to the
 * transaction pool. Each equivocation is reported once per process; a validator never reports
 * itself.
 */
import { type BlockEquivocation, type Chain, type Runtime, type SigningKeys, staking, type TransactionPool } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, u8aEq, u8aToHex } from '@polkadot/util'
import { type SignedVote, votePayload } from './finality/vote.js'

export interface EquivocationReporterComponents {
  chain: Chain
  pool: TransactionPool
  runtime: Runtime
  logger: ComponentLogger
}

export interface EquivocationReporterInit {
  /** The reporting validator's sr25519 secret URI (it signs and pays for the report). */
  validatorKey: string
  /** The node's session keys: equivocations signed with one of them are its own and not reported. */
  keys?: SigningKeys
}

export class EquivocationReporter {
  private readonly log: Logger
  private readonly pair: KeyringPair
  private readonly keys: SigningKeys | undefined
  private readonly reported = new Set<string>()
  private nextNonce = 0
  /** Reports submitted since start (their transaction hashes). */
  readonly submitted: string[] = []

  constructor(
    private readonly components: EquivocationReporterComponents,
    init: EquivocationReporterInit,
  ) {
    this.log = components.logger.forComponent('consensus:equivocation')
    this.pair = new Keyring({ type: 'sr25519' }).addFromUri(init.validatorKey)
    this.keys = init.keys
  }

  /** Reports a block equivocation; returns the transaction hash, or undefined when skipped or refused. */
  reportBlocks(e: BlockEquivocation): string | undefined {
    return this.report(e.author, staking.EquivocationKind.BLOCK, e.first, e.second, { slot: e.slot })
  }

  /** Reports two votes of one voter in one round for different targets. */
  reportVotes(first: SignedVote, second: SignedVote): string | undefined {
    const genesis = this.components.chain.genesis.hash
    const evidence = (v: SignedVote) => staking.voteEvidence(votePayload(v, genesis), hexToU8a(v.signature))
    return this.report(hexToU8a(first.voter), staking.EquivocationKind.VOTE, evidence(first), evidence(second), {
      kind: first.kind,
      setId: first.setId,
      round: first.round,
    })
  }

  private report(offender: Uint8Array, kind: number, first: Uint8Array, second: Uint8Array, meta: Record<string, unknown>): string | undefined {
    if (u8aEq(offender, this.pair.publicKey)) return undefined
    const role = kind === staking.EquivocationKind.BLOCK ? staking.KEY_TYPES.aura : staking.KEY_TYPES.grandpa
    if (this.keys?.signer(role, offender) !== undefined) return undefined
    const key = `${u8aToHex(offender)}:${kind}:${JSON.stringify(meta)}`
    if (this.reported.has(key)) return undefined
    this.reported.add(key)
    const { chain, pool, runtime } = this.components
    const registry = runtime.registry
    const call = registry.createType(
      'Call',
      runtime.encodeCall({ tag: 'Staking', value: { tag: 'report_equivocation', value: { offender, kind, first, second } } }),
    )
    const nonce = Math.max(chain.accountNonce(this.pair.publicKey), this.nextNonce)
    const xt = registry.createType('Extrinsic', call)
    xt.sign(this.pair, {
      blockHash: chain.genesis.hash,
      genesisHash: chain.genesis.hash,
      nonce,
      tip: 0n,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    try {
      const { hash } = pool.submit(xt.toU8a())
      this.nextNonce = nonce + 1
      this.submitted.push(hash)
      this.log.warn({ offender: u8aToHex(offender), kind, ...meta, tx: hash }, 'equivocation reported')
      return hash
    } catch (err) {
      this.log.error({ err, offender: u8aToHex(offender), kind, ...meta }, 'equivocation report refused by the pool')
      return undefined
    }
  }
}
