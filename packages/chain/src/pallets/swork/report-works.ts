/**
 * `swork.report_works`: the checks in Crust's order (crust-runtime.md §2.6), then the classic
 * synchronous bookkeeping: replicas in market, the work report, free and used space, spower.
 */
import { maybeFreeReportWorks } from '../benefits/index.js'
import { BlockHash } from '../system.js'
import { applyReportedFiles } from '../market/reported-files.js'
import type { DispatchContext, PostDispatchInfo } from '../../frame/pallet.js'
import { moduleError } from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { FILES_COUNT_LIMIT, FILES_LIMIT, HISTORY_SLOTS, NEW_IDENTITY, SRD_LIMIT } from './constants.js'
import { sworkErrors, sworkEvents } from './events.js'
import { ownerOf, putIdentity, reportSlotOf } from './interface.js'
import { AddedFilesCount, Codes, Free, Groups, Identities, PubKeyOwner, PubKeys, ReportedFilesSize, ReportedInSlot, WorkReports } from './storage.js'
import { sameBytes } from './types.js'
import { sworkWire, verifySworkerSignature } from '@crust-ts/protocol'

const U32_MAX = 0xffff_ffffn
const U64_MAX = (1n << 64n) - 1n
const U128_MAX = (1n << 128n) - 1n
const ZERO = new Uint8Array(0)

/** The arguments of `report_works`. */
export type ReportWorksArgs = sworkWire.WorkReportPayloadFields & { sig: Uint8Array }

const sum = (files: readonly sworkWire.ReportedFile[]) => files.reduce((acc, [, size]) => acc + size, 0n)
const clamp = (v: bigint, max: bigint) => (v < 0n ? 0n : v > max ? max : v)

/**
 * Removes an anchor's work report and its report marks (Crust's `chill_anchor`). Crust removes every
 * `ReportedInSlot` entry under the anchor by prefix; our storage has no prefix removal, so the
 * entries that can still exist are removed one by one: slot 1 and the slots of the history window
 * (older ones are removed by the aggregation).
 */
function chillAnchor(ctx: DispatchContext, anchor: Uint8Array): void {
  WorkReports.remove(ctx.state, anchor)
  const step = BigInt(ctx.config.reportSlot)
  const current = reportSlotOf(ctx.config, ctx.blockNumber)
  for (let i = 0n; i <= BigInt(HISTORY_SLOTS + 2) && current >= i * step; i++) ReportedInSlot.remove(ctx.state, anchor, current - i * step)
  ReportedInSlot.remove(ctx.state, anchor, 1n)
}

/**
 * Crust's `work_report_timing_check`: the hash of block `slot` must equal `slot_hash`, and `slot`
 * must be 1 or the current report slot. Crust compares against `BlockHash`'s default (zero) for a
 * block whose hash is not stored yet (the slot's own block), so a zero hash passed there; we require
 * the hash to be stored.
 */
function timingIsValid(ctx: DispatchContext, slot: bigint, slotHash: Uint8Array): boolean {
  if (slot > U32_MAX) return false
  const n = Number(slot)
  if (!BlockHash.contains(ctx.state, n)) return false
  if (!sameBytes(BlockHash.get(ctx.state, n), slotHash)) return false
  return slot === 1n || slot === reportSlotOf(ctx.config, ctx.blockNumber)
}

/** Crust's `files_transition_check` against the previous work report of `prevPk`'s anchor. */
function filesTransitionIsValid(state: StorageAccess, prevPk: Uint8Array, args: ReportWorksArgs): boolean {
  const anchor = PubKeys.get(state, prevPk).anchor
  const prev = anchor === undefined ? undefined : WorkReports.get(state, anchor)
  if (prev === undefined) return true
  const added = sum(args.added_files)
  const deleted = sum(args.deleted_files)
  if (added === 0n && deleted === 0n) return sameBytes(args.reported_files_root, prev.reported_files_root)
  return clamp(clamp(prev.reported_files_size + added, U64_MAX) - deleted, U64_MAX) === args.reported_files_size
}

export function reportWorks(ctx: DispatchContext, reporter: Uint8Array, args: ReportWorksArgs): PostDispatchInfo | undefined {
  const { state } = ctx
  const { curr_pk, ab_upgrade_pk, slot, added_files, deleted_files } = args

  // 1. Basic limits. Also: a c_block_num must be a block number (Crust panics converting it to u32).
  const badBlock = (files: readonly sworkWire.ReportedFile[]) => files.some(([, , block]) => block > U32_MAX)
  if (
    args.reported_srd_size >= SRD_LIMIT ||
    args.reported_files_size >= FILES_LIMIT ||
    added_files.length > FILES_COUNT_LIMIT ||
    deleted_files.length > FILES_COUNT_LIMIT ||
    badBlock(added_files) ||
    badBlock(deleted_files)
  ) {
    throw moduleError(sworkErrors.IllegalWorkReport)
  }
  // 2. The reporting key is registered, and (not in Crust) registered by the reporter: the payload
  // does not name the reporter, so without this anyone could replay a key's first report from their
  // own account and become its identity. A/B upgrades are covered too: curr_pk is the new key, which
  // its owner registered; the old key's anchor must be the reporter's (step 9).
  if (!PubKeys.contains(state, curr_pk)) throw moduleError(sworkErrors.IllegalReporter)
  if (!sameBytes(PubKeyOwner.get(state, curr_pk) ?? ZERO, reporter)) throw moduleError(sworkErrors.IllegalReporter)
  // 3. Group owners do not report.
  if (Groups.contains(state, reporter)) throw moduleError(sworkErrors.GroupOwnerForbidden)
  // 4. The key's enclave code is still whitelisted for this slot.
  const pkInfo = PubKeys.get(state, curr_pk)
  const expiry = Codes.get(state, pkInfo.code)
  if (expiry === undefined || slot >= BigInt(expiry)) throw moduleError(sworkErrors.OutdatedReporter)
  // 5. Scenario.
  const anchor = pkInfo.anchor
  const isAbUpgrade = anchor === undefined && ab_upgrade_pk.length > 0
  const isFirstReport = anchor === undefined && ab_upgrade_pk.length === 0
  // 6. A normal report comes from the anchor's account, once per slot.
  if (anchor !== undefined) {
    const id = Identities.get(state, reporter)
    if (!sameBytes(id?.anchor ?? ZERO, anchor)) throw moduleError(sworkErrors.IllegalReporter)
    // A second report of this anchor in the slot changes nothing (Crust returns Ok with zero weight).
    if (ReportedInSlot.get(state, anchor, slot)) return { actualWeight: 0n }
  }
  // 7. Timing and slot hash.
  if (!timingIsValid(ctx, slot, args.slot_hash)) throw moduleError(sworkErrors.InvalidReportTime)
  // 8. The enclave's signature over Crust's payload.
  if (!verifySworkerSignature(curr_pk, sworkWire.workReportPayload(args), args.sig)) throw moduleError(sworkErrors.IllegalWorkReportSig)
  // 9. Files transition (or, for an A/B upgrade, nothing may change).
  let prevPk = curr_pk
  if (isAbUpgrade) {
    if (!PubKeys.contains(state, ab_upgrade_pk)) throw moduleError(sworkErrors.ABUpgradeFailed)
    const oldAnchor = PubKeys.get(state, ab_upgrade_pk).anchor
    const prev = oldAnchor === undefined ? undefined : WorkReports.get(state, oldAnchor)
    if (prev === undefined || oldAnchor === undefined) throw moduleError(sworkErrors.ABUpgradeFailed)
    // Crust does not check that the old key belongs to the reporter; without this check one
    // account's new enclave could take over another account's anchor.
    if (!sameBytes(Identities.get(state, reporter)?.anchor ?? ZERO, oldAnchor)) throw moduleError(sworkErrors.ABUpgradeFailed)
    if (
      added_files.length > 0 ||
      deleted_files.length > 0 ||
      !sameBytes(prev.reported_files_root, args.reported_files_root) ||
      !sameBytes(prev.reported_srd_root, args.reported_srd_root)
    ) {
      throw moduleError(sworkErrors.ABUpgradeFailed)
    }
    prevPk = ab_upgrade_pk
  } else if (!filesTransitionIsValid(state, prevPk, args)) {
    throw moduleError(sworkErrors.IllegalFilesTransition)
  }

  // 10. A/B upgrade hands the anchor to the new key; a first report (re)creates the identity.
  if (isAbUpgrade) {
    const inherited = PubKeys.get(state, prevPk).anchor
    PubKeys.insert(state, curr_pk, { ...pkInfo, anchor: inherited })
    PubKeys.remove(state, ab_upgrade_pk)
    // The new key carries the old key's binding: the reporter owns the new key (step 2) and the old
    // key's anchor is the reporter's identity (step 9). The retired key keeps its PubKeyOwner entry,
    // so no other account can register it again and report under its anchor.
    PubKeyOwner.insert(state, curr_pk, reporter)
    ctx.deposit(sworkEvents.ABUpgradeSuccess, { who: reporter, old_pk: ab_upgrade_pk, new_pk: curr_pk })
  } else if (isFirstReport) {
    const existing = Identities.get(state, reporter)
    if (existing !== undefined) chillAnchor(ctx, existing.anchor)
    putIdentity(state, reporter, { anchor: curr_pk, punishment_deadline: NEW_IDENTITY, group: existing?.group })
    PubKeys.insert(state, curr_pk, { ...pkInfo, anchor: curr_pk })
  }

  // 11. Upsert the work report.
  const finalAnchor = PubKeys.get(state, curr_pk).anchor!
  const owner = ownerOf(state, reporter)
  ReportedInSlot.insert(state, finalAnchor, slot, true)
  const { addedSpower, addedCount, deletedSpower } = applyReportedFiles(ctx, { reporter, owner, anchor: finalAnchor }, added_files, deleted_files)
  AddedFilesCount.put(state, Math.min(AddedFilesCount.get(state) + addedCount, 0xffff_ffff))
  const old = WorkReports.get(state, finalAnchor)
  WorkReports.insert(state, finalAnchor, {
    report_slot: slot,
    spower: clamp(clamp((old?.spower ?? 0n) + addedSpower, U64_MAX) - deletedSpower, U64_MAX),
    free: args.reported_srd_size,
    reported_files_size: args.reported_files_size,
    reported_srd_root: args.reported_srd_root,
    reported_files_root: args.reported_files_root,
  })
  Free.put(state, clamp(clamp(Free.get(state) - (old?.free ?? 0n), U128_MAX) + args.reported_srd_size, U128_MAX))
  ReportedFilesSize.put(state, clamp(clamp(ReportedFilesSize.get(state) - (old?.reported_files_size ?? 0n), U128_MAX) + args.reported_files_size, U128_MAX))

  // 13. Event (Crust's step 12, the off-chain service's QueueWorkReportSuccess, is left out).
  ctx.deposit(sworkEvents.WorksReportSuccess, { who: reporter, pk: curr_pk })
  // 14. The owner's free work reports (benefits) waive the fee.
  return maybeFreeReportWorks(ctx, owner) ? { paysFee: false } : undefined
}
