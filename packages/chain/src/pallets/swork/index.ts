/**
 * `swork`: the on-chain side of Crust's MPoW (meaningful proof of work). The pallet, its storage
 * items (read by market and staking), the interface other pallets call, the genesis builder, the
 * attestation verifier contract. The signed bytes themselves (work report and registration payloads,
 * P-256 in Crust's form) are `@crust-ts/protocol`'s.
 */
export { type AttestationEvidence, type AttestationVerifier, type AttestedEnclave, authorityAttestationVerifier } from './attestation.js'
export * from './constants.js'
export { SworkGenesisError } from './errors.js'
export { sworkErrors, sworkEvents } from './events.js'
export { buildSworkGenesis, type SworkGenesis } from './genesis.js'
export {
  checkAnchor,
  isWrReported,
  ownerOf,
  putIdentity,
  reportSlotOf,
  takeAddedFilesCount,
  takeWorkload,
  totalWorkload,
  updateSpower,
  type WorkloadHandOff,
} from './interface.js'
export { reportWorksWeight, type SworkPalletOptions, sworkPallet } from './pallet.js'
export { ed25519KeyOfPeerId, MAX_PEER_ADDR_BYTES, MAX_PEER_ADDRS, PEER_RECORD_DOMAIN, peerRecordPayload } from './peer-records.js'
export { isLegalCode } from './register.js'
export type { ReportWorksArgs } from './report-works.js'
export {
  AddedFilesCount,
  AllowedTeePublicKeys,
  AttestationAuthority,
  Codes,
  CurrentReportSlot,
  EnablePunishment,
  Free,
  Groups,
  Identities,
  IdentityCount,
  IdentityCursor,
  IdentityList,
  PeerRecords,
  PendingWorkload,
  PubKeyOwner,
  PubKeys,
  ReportedFilesSize,
  ReportedInSlot,
  Spower,
  Workload,
  WorkloadPageCount,
  WorkloadPages,
  WorkReports,
} from './storage.js'
export type { Group, Identity, PeerRecord, PKInfo, WorkReport } from './types.js'
export { aggregationRunning, updateOffset } from './workload.js'
