/**
 * sWork's events and errors with Crust's names and indices (crustio/crust: cstrml/swork/src/lib.rs
 * `decl_event!`, `decl_error!`). Events of Crust's off-chain spower service (QueueWorkReportSuccess,
 * SetSpowerSuperiorSuccess, UpdateSpowerSuccess: 13..15) are left out, their indices unused; ours
 * come after Crust's.
 */
import { bool, bytes } from '../../primitives/codec/scale-type.js'
import { errors, event } from '../../frame/pallet.js'
import { accountId, blockNumber, sworkerCode, sworkerPubKey } from './types.js'

const UNNAMED = true

export const sworkEvents = {
  RegisterSuccess: event(0, { who: accountId, pk: sworkerPubKey }, 'sWorker registration success. [who, sworker public key]', UNNAMED),
  WorksReportSuccess: event(1, { who: accountId, pk: sworkerPubKey }, 'Send the work report success. [who, sworker public key]', UNNAMED),
  ABUpgradeSuccess: event(
    2,
    { who: accountId, old_pk: sworkerPubKey, new_pk: sworkerPubKey },
    'AB upgrade success. [who, previous (A) public key, latest (B) public key]',
    UNNAMED,
  ),
  SetCodeSuccess: event(3, { code: sworkerCode, expire_block: blockNumber }, 'Set code success. [enclave code, expiry block]', UNNAMED),
  JoinGroupSuccess: event(4, { member: accountId, owner: accountId }, 'Join the group success. [member, group owner]', UNNAMED),
  QuitGroupSuccess: event(5, { member: accountId, owner: accountId }, 'Quit the group success. [member, group owner]', UNNAMED),
  CreateGroupSuccess: event(6, { owner: accountId }, 'Create the group success. [group owner]', UNNAMED),
  KickOutSuccess: event(7, { member: accountId }, 'Kick some one out of the group. [member]', UNNAMED),
  CancelPunishmentSuccess: event(8, { who: accountId }, 'Cancel the punishment success (unused, as in Crust).', UNNAMED),
  AddIntoAllowlistSuccess: event(9, { owner: accountId, who: accountId }, 'Add who into allowlist success. [owner, who]', UNNAMED),
  RemoveFromAllowlistSuccess: event(10, { owner: accountId, who: accountId }, 'Remove who from allowlist success. [owner, who]', UNNAMED),
  SetPunishmentSuccess: event(11, { is_enabled: bool }, 'Enable the punishment or disable it.', UNNAMED),
  RemoveCodeSuccess: event(12, { code: sworkerCode }, 'Remove the expired code success.', UNNAMED),
  SetAttestationAuthoritySuccess: event(16, { authority: bytes }, 'The attestation authority key changed. [P-256 public key, 65 bytes uncompressed]', UNNAMED),
  PeerRecordSet: event(17, { who: accountId, peer_id: bytes }, 'A storage node published its libp2p peer id and addresses. [who, peer id]', UNNAMED),
  PeerRecordCleared: event(18, { who: accountId }, 'A storage node removed its peer record. [who]', UNNAMED),
}

export const sworkErrors = errors({
  IllegalApplier: [0, 'Illegal applier'],
  IllegalIdentity: [1, 'Identity check failed'],
  IllegalReporter: [2, 'Illegal reporter'],
  OutdatedReporter: [3, 'Outdated reporter'],
  InvalidReportTime: [4, 'Invalid timing'],
  IllegalWorkReportSig: [5, 'Illegal work report signature'],
  ABUpgradeFailed: [6, 'A/B Upgrade failed'],
  IllegalFilesTransition: [7, 'Files change not legal'],
  IdentityNotExist: [8, "Identity doesn't exist"],
  AlreadyJoint: [9, 'Already joint one group'],
  NotOwner: [10, 'The target is not a group owner. Please make sure that the target is a group owner.'],
  IllegalSpower: [11, 'The spower value is not zero and cannot join a group.'],
  GroupAlreadyExist: [12, 'The group already exist.'],
  GroupOwnerForbidden: [13, 'The group owner cannot be a sWorker member.'],
  NotJoint: [14, 'The member is not in this group and cannot quit.'],
  ExceedGroupLimit: [15, 'Exceed the limit of members number in one group.'],
  InvalidExpiredBlock: [16, 'Cannot extend the valid duration for an existed enclave code.'],
  NotInAllowlist: [17, 'Who is not in the allowlist. Please ask owner to add you into the allowlist before you join the group.'],
  ExceedAllowlistLimit: [18, 'Exceed the limit of allowlist number in one group.'],
  IllegalWorkReport: [19, 'Illegal work report. This should never happen.'],
  CodeNotExpired: [20, 'Code has not been expired'],
  InvalidTeeSignature: [21, 'Tee signature is not valid'],
  SpowerSuperiorNotSet: [22, 'The spower superior account is not set. Please call the set_spower_superior extrinsic first.'],
  IllegalSpowerSuperior: [23, 'The caller account is not the spower superior account. Please check the caller account again.'],
  IllegalAttestationAuthority: [24, 'The attestation authority key is not an uncompressed P-256 public key (65 bytes, 0x04 first).'],
  IllegalTeePublicKey: [25, 'The decentralized TEE public key is not a 32-byte sr25519 key.'],
  PubKeyBoundToOther: [26, 'The sWorker public key is bound to another account: the account that registered it first.'],
  IllegalPeerRecord: [27, 'The peer record is malformed: the peer id must be an Ed25519 libp2p peer id, with at most 8 addresses of 1 to 96 bytes.'],
  IllegalPeerSignature: [28, "The peer key's signature over the account and the peer record does not verify."],
  PeerRecordNotExist: [29, 'The account has no peer record.'],
})
