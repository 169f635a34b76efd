/**
 * Transaction validity, as Substrate's `TaggedTransactionQueue::validate_transaction` decides it:
 * signature, era, nonce, fee and size. Runs once per transaction, when it enters the pool.
 */
import { CrustError } from '@crust-ts/base'
import { usableBalance } from '../pallets/balances.js'
import { Account } from '../pallets/system.js'
import { computeFee, feeMultiplier, inclusionFee } from '../pallets/transaction-payment.js'
import { eraBirth, eraDeath } from '../primitives/era.js'
import { type DecodedExtrinsic, signingPayload, verifySignature } from '../frame/extrinsic.js'
import type { VerifiedSignatures } from '../frame/verified-signatures.js'
import type { Runtime } from './runtime.js'
import type { StorageReader } from '../frame/storage.js'
import { NORMAL_DISPATCH_RATIO } from '../frame/weights.js'

/** Substrate's `InvalidTransaction` reasons, with the text its JSON-RPC errors carry. */
export const INVALID_TRANSACTION = {
  Call: 'Transaction call is not expected',
  Payment: 'Inability to pay some fees (e.g. account balance too low)',
  Future: 'Transaction will be valid in the future',
  Stale: 'Transaction is outdated',
  BadProof: 'Transaction has a bad signature',
  AncientBirthBlock: 'Transaction has an ancient birth block',
  ExhaustsResources: 'Transaction would exhaust the block limits',
  BadMandatory: 'A call was labelled as mandatory, but resulted in an Error.',
  MandatoryValidation: 'Transaction dispatch is mandatory; transactions must not be validated.',
  BadSigner: 'Invalid signing address',
} as const
export type InvalidReason = keyof typeof INVALID_TRANSACTION

/** The transaction can never be included (JSON-RPC 1010 "Invalid Transaction"). */
export class InvalidTransactionError extends CrustError {
  constructor(readonly reason: InvalidReason) {
    super(`TX_ERROR_INVALID_${reason.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`, INVALID_TRANSACTION[reason], { reason })
  }
}

/** What validation needs to know about the chain it validates against. */
export interface ValidationView {
  state: StorageReader
  /** The number of the block the transaction would be built on top of. */
  bestNumber: number
  genesisHash: Uint8Array
  /** Canonical block hash by number (for mortal eras). */
  hashOf(number: number): Uint8Array | undefined
  /** The node's record of signatures it checked: a success is kept, so importing a block with this transaction does not check it again. */
  signatures?: VerifiedSignatures
}

export interface ValidTransaction {
  signer: Uint8Array
  nonce: number
  /** The signer's nonce in the state validated against; `nonce > accountNonce` means future. */
  accountNonce: number
  tip: bigint
  /** Inclusion fee (without the tip) that will be charged. */
  fee: bigint
  /** Ref-time weight including the extrinsic base weight. */
  weight: bigint
  length: number
  /** Higher goes first: the tip, as Substrate's ChargeTransactionPayment derives it for equal fees. */
  priority: bigint
  /** Last block number (exclusive) at which the era allows inclusion. */
  deathBlock: number
}

export { NORMAL_DISPATCH_RATIO } from '../frame/weights.js'

/**
 * The payload a signed transaction's signature must cover when it goes into the block after
 * `view.bestNumber`: its birth block is the canonical one for a mortal era. Undefined when that
 * block is unknown (pruned from the canonical index, or ahead).
 */
export function poolSigningPayload(
  runtime: Runtime,
  xt: DecodedExtrinsic,
  view: Pick<ValidationView, 'bestNumber' | 'genesisHash' | 'hashOf'>,
): Uint8Array | undefined {
  const signed = xt.signed
  if (signed === undefined) return undefined
  const birthHash = signed.era.kind === 'immortal' ? view.genesisHash : view.hashOf(eraBirth(signed.era, view.bestNumber))
  return birthHash === undefined ? undefined : signingPayload(runtime, xt, view.genesisHash, birthHash)
}

export function validateTransaction(runtime: Runtime, xt: DecodedExtrinsic, view: ValidationView): ValidTransaction {
  const signed = xt.signed
  if (signed === undefined) throw new InvalidTransactionError('Call')
  const info = runtime.callInfo(xt.call)
  if (info.class === 'Mandatory') throw new InvalidTransactionError('MandatoryValidation')
  // The transaction goes into the block after `bestNumber`.
  const current = view.bestNumber + 1
  const death = eraDeath(signed.era, view.bestNumber)
  if (current >= death) throw new InvalidTransactionError('AncientBirthBlock')
  const payload = poolSigningPayload(runtime, xt, view)
  if (payload === undefined) throw new InvalidTransactionError('AncientBirthBlock')
  if (!(view.signatures === undefined ? verifySignature(signed, payload) : view.signatures.verify({ ...xt, signed }, payload))) {
    throw new InvalidTransactionError('BadProof')
  }
  const config = runtime.config
  const weight = config.extrinsicBaseWeight + info.weight
  if (weight > (config.maxBlockWeight * NORMAL_DISPATCH_RATIO) / 100n || xt.bytes.length > (config.maxBlockLength * 3) / 4) {
    throw new InvalidTransactionError('ExhaustsResources')
  }
  const account = Account.get(view.state, signed.signer)
  if (signed.nonce < account.nonce) throw new InvalidTransactionError('Stale')
  const fee = info.paysFee ? inclusionFee(computeFee(config, xt.bytes.length, info.weight, feeMultiplier(view.state))) : 0n
  const total = fee + signed.tip
  if (usableBalance(account) < total || account.data.free - total < config.existentialDeposit) {
    throw new InvalidTransactionError('Payment')
  }
  return {
    signer: signed.signer,
    nonce: signed.nonce,
    accountNonce: account.nonce,
    tip: signed.tip,
    fee,
    weight,
    length: xt.bytes.length,
    priority: signed.tip,
    deathBlock: death,
  }
}
