/**
 * Enclave registration: `register` (attestation through an {@link AttestationVerifier}) and Crust's
 * decentralized-attestation path `register_with_deauth_chain` (crust-runtime.md §2.5).
 */
import { sr25519Verify } from '@polkadot/util-crypto'
import { accountId32, bytes } from '../../primitives/codec/scale-type.js'
import type { DispatchContext } from '../../frame/pallet.js'
import { moduleError } from '../../frame/pallet.js'
import { concatBytes } from '../../primitives/hashing.js'
import type { AttestationEvidence, AttestationVerifier } from './attestation.js'
import { sworkErrors, sworkEvents } from './events.js'
import { verifySworkerSignature } from '@crust-ts/protocol'
import { AllowedTeePublicKeys, Codes, Groups, PubKeyOwner, PubKeys } from './storage.js'
import { sameBytes } from './types.js'

/** Whether `code` is whitelisted and not expired at this block (Crust's `get_legal_codes`: expiry > now). */
export function isLegalCode(ctx: Pick<DispatchContext, 'state' | 'blockNumber'>, code: Uint8Array): boolean {
  const expiry = Codes.get(ctx.state, code)
  return expiry !== undefined && expiry > ctx.blockNumber
}

function ensureApplier(ctx: DispatchContext, who: Uint8Array, applier: Uint8Array): void {
  if (!sameBytes(who, applier)) throw moduleError(sworkErrors.IllegalApplier)
  if (Groups.contains(ctx.state, who)) throw moduleError(sworkErrors.GroupOwnerForbidden)
}

/**
 * Records a registered enclave key with no anchor yet (Crust's `insert_pk_info`); its first report
 * anchors it. Not in Crust: the key is bound to `who` (`PubKeyOwner`). A key already bound to
 * another account is refused (PubKeyBoundToOther), so a second attestation of the same key for
 * another account neither moves the binding nor resets the owner's anchor; the owner may register
 * its key again (as in Crust, that clears the anchor, and its next report is a first report).
 */
function insertPkInfo(ctx: DispatchContext, who: Uint8Array, pk: Uint8Array, code: Uint8Array): void {
  const owner = PubKeyOwner.get(ctx.state, pk)
  if (owner !== undefined && !sameBytes(owner, who)) throw moduleError(sworkErrors.PubKeyBoundToOther)
  PubKeys.insert(ctx.state, pk, { code, anchor: undefined })
  PubKeyOwner.insert(ctx.state, pk, who)
  ctx.deposit(sworkEvents.RegisterSuccess, { who, pk })
}

export function register(ctx: DispatchContext, verifier: AttestationVerifier, who: Uint8Array, evidence: AttestationEvidence): void {
  ensureApplier(ctx, who, evidence.applier)
  const enclave = verifier.verify(ctx.state, evidence)
  if (enclave === undefined || !isLegalCode(ctx, enclave.code)) throw moduleError(sworkErrors.IllegalIdentity)
  insertPkInfo(ctx, who, enclave.pubkey, enclave.code)
}

export interface DeauthChainArgs {
  applier: Uint8Array
  code: Uint8Array
  pubkeys: Uint8Array[]
  signatures: Uint8Array[]
  tee_pubkey: Uint8Array
  tee_signature: Uint8Array
}

/** SCALE of Crust's `RegisterPayload { code, who, pubkey, public: MultiSigner::Sr25519(public) }`. */
function registerPayloadScale(code: Uint8Array, who: Uint8Array, pubkey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return concatBytes(bytes.codec.enc(code), accountId32.codec.enc(who), bytes.codec.enc(pubkey), Uint8Array.of(1), publicKey)
}

/**
 * `register_with_deauth_chain`: a TEE key vouched for by allowed sr25519 keys. Crust zips
 * `pubkeys` with `signatures`, so an empty (or shorter) list skipped the sr25519 checks; we require
 * at least one pair, equally many of each, 32-byte keys and 64-byte signatures (else InvalidTeeSignature).
 */
export function registerWithDeauthChain(ctx: DispatchContext, who: Uint8Array, args: DeauthChainArgs): void {
  ensureApplier(ctx, who, args.applier)
  if (!isLegalCode(ctx, args.code)) throw moduleError(sworkErrors.IllegalIdentity)
  const pairs = args.pubkeys.slice(0, args.signatures.length).flatMap((pk, i) => [pk, args.signatures[i]!])
  const signed = concatBytes(args.code, accountId32.codec.enc(args.applier), args.tee_pubkey, ...pairs)
  if (!verifySworkerSignature(args.tee_pubkey, signed, args.tee_signature)) throw moduleError(sworkErrors.IllegalIdentity)
  const allowed = AllowedTeePublicKeys.get(ctx.state)
  if (args.pubkeys.length === 0 || args.pubkeys.length !== args.signatures.length) throw moduleError(sworkErrors.InvalidTeeSignature)
  args.pubkeys.forEach((pk, i) => {
    const sig = args.signatures[i]!
    if (pk.length !== 32 || sig.length !== 64 || !allowed.some((a) => sameBytes(a, pk))) throw moduleError(sworkErrors.InvalidTeeSignature)
    if (!sr25519Verify(registerPayloadScale(args.code, args.applier, args.tee_pubkey, pk), sig, pk)) throw moduleError(sworkErrors.InvalidTeeSignature)
  })
  insertPkInfo(ctx, who, args.tee_pubkey, args.code)
}

/** `register_new_tee_pubkey` (root): allows an sr25519 key of the decentralized attestation chain. */
export function registerNewTeePubkey(ctx: DispatchContext, pubkey: Uint8Array): void {
  if (pubkey.length !== 32) throw moduleError(sworkErrors.IllegalTeePublicKey)
  AllowedTeePublicKeys.put(ctx.state, [...AllowedTeePublicKeys.get(ctx.state), pubkey])
}
