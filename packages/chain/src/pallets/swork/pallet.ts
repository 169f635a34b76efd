/**
 * `swork` (MPoW, crustio/crust: cstrml/swork): enclave code whitelist, enclave registration with
 * attestation, signed work reports once per report slot, groups, and the per-slot workload
 * aggregation with punishment for missed reports. Calls keep Crust's names, argument names and
 * call indices (Crust declares them in this order; the spower-service calls 6 and 7 are left out);
 * `set_attestation_authority` is ours, after Crust's.
 */
import { bool, bytes, u32, u64, vec } from '../../primitives/codec/scale-type.js'
import { call, constant, definePallet, ensureRoot, ensureSigned, moduleError, type Pallet } from '../../frame/pallet.js'
import { multiAddress } from '../../primitives/substrate-types.js'
import { lookupAddress } from '../balances.js'
import { type AttestationVerifier, authorityAttestationVerifier } from './attestation.js'
import { DB_READ_WEIGHT, DB_WRITE_WEIGHT, MAX_GROUP_SIZE } from './constants.js'
import { sworkErrors, sworkEvents } from './events.js'
import { addMemberIntoAllowlist, createGroup, joinGroup, kickOut, quitGroup, removeMemberFromAllowlist } from './groups.js'
import { isAuthorityKey } from './genesis.js'
import { clearPeerRecord, MAX_PEER_ADDRS, setPeerRecord } from './peer-records.js'
import { register, registerNewTeePubkey, registerWithDeauthChain } from './register.js'
import { reportWorks } from './report-works.js'
import { AttestationAuthority, Codes, EnablePunishment, sworkStorage } from './storage.js'
import {
  accountId,
  blockNumber,
  iasSig,
  isvBody,
  merkleRoot,
  reportedFiles,
  reportSlot,
  sworkerCert,
  sworkerCode,
  sworkerPubKey,
  sworkerSignature,
} from './types.js'
import { sworkOnInitialize } from './workload.js'

// Crust's benchmarked weights (cstrml/swork/src/weight.rs), with RocksDB read/write costs.
const db = (reads: bigint, writes: bigint) => reads * DB_READ_WEIGHT + writes * DB_WRITE_WEIGHT
const SET_CODE_WEIGHT = 43_000_000n + db(4n, 4n)
const REGISTER_WEIGHT = 4_801_000_000n + db(6n, 3n)
const GROUP_WEIGHT = 58_000_000n + db(6n, 3n)
const MEMBER_WEIGHT = 123_000_000n + db(7n, 4n)
const SMALL_WEIGHT = 1_000n
// Ours: one ed25519 verification (~60 µs) plus an identity read and a record write.
const PEER_RECORD_WEIGHT = 60_000_000n + db(1n, 1n)

/** Crust's `report_works` weight for a report with `added` and `deleted` files. */
export function reportWorksWeight(added: number, deleted: number): bigint {
  const a = BigInt(added)
  const d = BigInt(deleted)
  return 3_505_000_000n + 700_000_000n * a + 350_000_000n * d + db(2n, 2n) * (a + d)
}

export interface SworkPalletOptions {
  /** How `register` checks attestation evidence (default: the chain spec's P-256 attestation authority). */
  verifier?: AttestationVerifier
}

export function sworkPallet(index: number, options: SworkPalletOptions = {}): Pallet {
  const verifier = options.verifier ?? authorityAttestationVerifier
  return definePallet({
    name: 'Swork',
    index,
    path: 'pallet_swork',
    storage: sworkStorage,
    calls: {
      set_code: call({
        index: 0,
        args: { new_code: sworkerCode, expire_block: blockNumber },
        weight: SET_CODE_WEIGHT,
        class: 'Operational',
        docs: ['Set code for AB Upgrade, this should only be called by `root` origin.'],
        dispatch: (ctx, origin, { new_code, expire_block }) => {
          ensureRoot(origin)
          Codes.insert(ctx.state, new_code, expire_block)
          ctx.deposit(sworkEvents.SetCodeSuccess, { code: new_code, expire_block })
        },
      }),
      clear_expired_code: call({
        index: 1,
        args: { expired_code: sworkerCode },
        weight: SET_CODE_WEIGHT,
        docs: ['Clear an expired code (anyone may call); a code that does not exist is a no-op.'],
        dispatch: (ctx, origin, { expired_code }) => {
          ensureSigned(origin)
          const expiry = Codes.get(ctx.state, expired_code)
          if (expiry === undefined) return
          if (expiry >= ctx.blockNumber) throw moduleError(sworkErrors.CodeNotExpired)
          Codes.remove(ctx.state, expired_code)
          ctx.deposit(sworkEvents.RemoveCodeSuccess, { code: expired_code })
        },
      }),
      register: call({
        index: 2,
        args: { ias_sig: iasSig, ias_cert: sworkerCert, applier: accountId, isv_body: isvBody, sig: sworkerSignature },
        weight: REGISTER_WEIGHT,
        docs: ['Register as new trusted node, can only called from sWorker.'],
        dispatch: (ctx, origin, args) => register(ctx, verifier, ensureSigned(origin), args),
      }),
      register_new_tee_pubkey: call({
        index: 3,
        args: { pubkey_vec: bytes },
        weight: SMALL_WEIGHT,
        docs: ['Allow an sr25519 key of the decentralized attestation chain (root).'],
        dispatch: (ctx, origin, { pubkey_vec }) => {
          ensureRoot(origin)
          registerNewTeePubkey(ctx, pubkey_vec)
        },
      }),
      register_with_deauth_chain: call({
        index: 4,
        args: {
          applier: accountId,
          code: bytes,
          pubkeys: vec(bytes),
          signatures: vec(bytes),
          tee_pubkey: sworkerPubKey,
          tee_signature: sworkerSignature,
        },
        weight: REGISTER_WEIGHT,
        docs: ['Register a TEE key vouched for by the decentralized attestation chain.'],
        dispatch: (ctx, origin, args) => registerWithDeauthChain(ctx, ensureSigned(origin), args),
      }),
      report_works: call({
        index: 5,
        args: {
          curr_pk: sworkerPubKey,
          ab_upgrade_pk: sworkerPubKey,
          slot: reportSlot,
          slot_hash: bytes,
          reported_srd_size: u64,
          reported_files_size: u64,
          added_files: reportedFiles,
          deleted_files: reportedFiles,
          reported_srd_root: merkleRoot,
          reported_files_root: merkleRoot,
          sig: sworkerSignature,
        },
        weight: (args) => reportWorksWeight(args.added_files.length, args.deleted_files.length),
        docs: ['Report storage works from sWorker.'],
        dispatch: (ctx, origin, args) => reportWorks(ctx, ensureSigned(origin), args),
      }),
      create_group: call({
        index: 8,
        args: {},
        weight: GROUP_WEIGHT,
        docs: ['Create a group. One account can only create one group once.'],
        dispatch: (ctx, origin) => createGroup(ctx, ensureSigned(origin)),
      }),
      add_member_into_allowlist: call({
        index: 9,
        args: { target: multiAddress },
        weight: GROUP_WEIGHT,
        docs: ["Add an account into the caller's group allowlist."],
        dispatch: (ctx, origin, { target }) => addMemberIntoAllowlist(ctx, ensureSigned(origin), lookupAddress(target)),
      }),
      remove_member_from_allowlist: call({
        index: 10,
        args: { target: multiAddress },
        weight: GROUP_WEIGHT,
        docs: ["Remove an account from the caller's group allowlist."],
        dispatch: (ctx, origin, { target }) => removeMemberFromAllowlist(ctx, ensureSigned(origin), lookupAddress(target)),
      }),
      join_group: call({
        index: 11,
        args: { target: multiAddress },
        weight: MEMBER_WEIGHT,
        docs: ['Join a group. The account should already report works once; the target must be a group owner.'],
        dispatch: (ctx, origin, { target }) => joinGroup(ctx, ensureSigned(origin), lookupAddress(target)),
      }),
      quit_group: call({
        index: 12,
        args: {},
        weight: MEMBER_WEIGHT,
        docs: ['Quit a group.'],
        dispatch: (ctx, origin) => quitGroup(ctx, ensureSigned(origin)),
      }),
      kick_out: call({
        index: 13,
        args: { target: multiAddress },
        weight: MEMBER_WEIGHT,
        docs: ['Kick someone out of this group.'],
        dispatch: (ctx, origin, { target }) => kickOut(ctx, ensureSigned(origin), lookupAddress(target)),
      }),
      set_punishment: call({
        index: 14,
        args: { is_enabled: bool },
        weight: SMALL_WEIGHT,
        docs: ['Set the punishment flag (root).'],
        dispatch: (ctx, origin, { is_enabled }) => {
          ensureRoot(origin)
          EnablePunishment.put(ctx.state, is_enabled)
          ctx.deposit(sworkEvents.SetPunishmentSuccess, { is_enabled })
        },
      }),
      set_attestation_authority: call({
        index: 15,
        args: { authority: bytes },
        weight: SET_CODE_WEIGHT,
        class: 'Operational',
        docs: ["Replace the attestation authority's P-256 public key (65 bytes, uncompressed) (root)."],
        dispatch: (ctx, origin, { authority }) => {
          ensureRoot(origin)
          if (!isAuthorityKey(authority)) throw moduleError(sworkErrors.IllegalAttestationAuthority)
          AttestationAuthority.put(ctx.state, authority)
          ctx.deposit(sworkEvents.SetAttestationAuthoritySuccess, { authority })
        },
      }),
      set_peer_record: call({
        index: 16,
        args: { peer_id: bytes, addrs: vec(bytes, 'Vec<Vec<u8>>'), peer_sig: bytes },
        weight: PEER_RECORD_WEIGHT,
        docs: [
          "Publish the caller's libp2p peer id and addresses (binary multiaddrs, at most 8), signed by the peer key",
          "over the domain 'crust-ts:swork:peer-record:v1', the caller's account and the SCALE-encoded (peer_id, addrs).",
          'Only accounts with an sWork identity (registered storage nodes) may publish.',
        ],
        dispatch: (ctx, origin, args) => setPeerRecord(ctx, ensureSigned(origin), args),
      }),
      clear_peer_record: call({
        index: 17,
        args: {},
        weight: db(1n, 1n),
        docs: ["Remove the caller's peer record."],
        dispatch: (ctx, origin) => clearPeerRecord(ctx, ensureSigned(origin)),
      }),
    },
    events: sworkEvents,
    errors: sworkErrors,
    constants: {
      PunishmentSlots: constant(u32, (c) => c.punishmentSlots, 'The punishment duration if someone offline'),
      ReportSlot: constant(u32, (c) => c.reportSlot, 'Blocks per report slot (from the chain spec; Crust: 600).'),
      MaxGroupSize: constant(u32, () => MAX_GROUP_SIZE, 'The max number of members in one group'),
      MaxPeerAddrs: constant(u32, () => MAX_PEER_ADDRS, 'The most addresses a peer record may list (ours).'),
    },
    onInitialize: sworkOnInitialize,
  })
}
