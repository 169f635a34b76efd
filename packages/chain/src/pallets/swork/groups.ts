/**
 * Groups (crust-runtime.md §2.8): an owner account (the staking/validator account) pools the
 * workload of member sWorkers; market counts one replica per owner. Checks in Crust's order.
 */
import type { DispatchContext } from '../../frame/pallet.js'
import { moduleError } from '../../frame/pallet.js'
import { MAX_GROUP_SIZE } from './constants.js'
import { sworkErrors, sworkEvents } from './events.js'
import { Groups, Identities, WorkReports } from './storage.js'
import { sameBytes, sortedUnique } from './types.js'

const without = (set: Uint8Array[], who: Uint8Array) => set.filter((m) => !sameBytes(m, who))
const has = (set: Uint8Array[], who: Uint8Array) => set.some((m) => sameBytes(m, who))

export function createGroup(ctx: DispatchContext, who: Uint8Array): void {
  if (Identities.contains(ctx.state, who)) throw moduleError(sworkErrors.GroupOwnerForbidden)
  if (Groups.contains(ctx.state, who)) throw moduleError(sworkErrors.GroupAlreadyExist)
  Groups.insert(ctx.state, who, { members: [], allowlist: [] })
  ctx.deposit(sworkEvents.CreateGroupSuccess, { owner: who })
}

export function addMemberIntoAllowlist(ctx: DispatchContext, owner: Uint8Array, who: Uint8Array): void {
  if (!Groups.contains(ctx.state, owner)) throw moduleError(sworkErrors.NotOwner)
  if (Identities.get(ctx.state, who)?.group !== undefined) throw moduleError(sworkErrors.AlreadyJoint)
  const group = Groups.get(ctx.state, owner)
  if (group.allowlist.length >= MAX_GROUP_SIZE) throw moduleError(sworkErrors.ExceedAllowlistLimit)
  Groups.insert(ctx.state, owner, { ...group, allowlist: sortedUnique([...group.allowlist, who]) })
  ctx.deposit(sworkEvents.AddIntoAllowlistSuccess, { owner, who })
}

export function removeMemberFromAllowlist(ctx: DispatchContext, owner: Uint8Array, who: Uint8Array): void {
  if (!Groups.contains(ctx.state, owner)) throw moduleError(sworkErrors.NotOwner)
  const group = Groups.get(ctx.state, owner)
  Groups.insert(ctx.state, owner, { ...group, allowlist: without(group.allowlist, who) })
  ctx.deposit(sworkEvents.RemoveFromAllowlistSuccess, { owner, who })
}

export function joinGroup(ctx: DispatchContext, who: Uint8Array, owner: Uint8Array): void {
  const { state } = ctx
  const id = Identities.get(state, who)
  if (id === undefined) throw moduleError(sworkErrors.IdentityNotExist)
  if (id.group !== undefined) throw moduleError(sworkErrors.AlreadyJoint)
  if (!Groups.contains(state, owner)) throw moduleError(sworkErrors.NotOwner)
  const group = Groups.get(state, owner)
  if (group.members.length >= MAX_GROUP_SIZE) throw moduleError(sworkErrors.ExceedGroupLimit)
  if (!has(group.allowlist, who)) throw moduleError(sworkErrors.NotInAllowlist)
  // The member's spower so far was counted for itself; from now on its storage counts for the owner.
  const wr = WorkReports.get(state, id.anchor)
  if (wr !== undefined) WorkReports.insert(state, id.anchor, { ...wr, spower: 0n })
  Groups.insert(state, owner, { members: sortedUnique([...group.members, who]), allowlist: without(group.allowlist, who) })
  Identities.insert(state, who, { ...id, group: owner })
  ctx.deposit(sworkEvents.JoinGroupSuccess, { member: who, owner })
}

export function quitGroup(ctx: DispatchContext, who: Uint8Array): void {
  const { state } = ctx
  const id = Identities.get(state, who)
  if (id === undefined) throw moduleError(sworkErrors.IdentityNotExist)
  const owner = id.group
  if (owner === undefined) throw moduleError(sworkErrors.NotJoint)
  if (!Groups.contains(state, owner)) throw moduleError(sworkErrors.NotJoint)
  Identities.insert(state, who, { ...id, group: undefined })
  const group = Groups.get(state, owner)
  Groups.insert(state, owner, { ...group, members: without(group.members, who) })
  // The member leaves its files behind: its work report restarts from no files.
  const wr = WorkReports.get(state, id.anchor)
  if (wr !== undefined) WorkReports.insert(state, id.anchor, { ...wr, spower: 0n, reported_files_size: 0n, reported_files_root: new Uint8Array(32) })
  ctx.deposit(sworkEvents.QuitGroupSuccess, { member: who, owner })
}

export function kickOut(ctx: DispatchContext, owner: Uint8Array, member: Uint8Array): void {
  const { state } = ctx
  if (!Groups.contains(state, owner)) throw moduleError(sworkErrors.NotOwner)
  const id = Identities.get(state, member)
  if (id === undefined) throw moduleError(sworkErrors.IdentityNotExist)
  if (id.group === undefined || !sameBytes(id.group, owner)) throw moduleError(sworkErrors.NotJoint)
  Identities.insert(state, member, { ...id, group: undefined })
  const group = Groups.get(state, owner)
  Groups.insert(state, owner, { ...group, members: without(group.members, member) })
  ctx.deposit(sworkEvents.KickOutSuccess, { member })
}
