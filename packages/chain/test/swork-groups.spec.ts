/** sWork groups: owners pool their members' workload; rules and errors in Crust's order. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { u8aToHex } from '@polkadot/util'
import { Groups, Identities, MAX_GROUP_SIZE, ownerOf, WorkReports } from '../src/pallets/swork/index.js'
import type { RuntimeHarness } from './fixtures/runtime-harness.js'
import { signed } from './fixtures/runtime-harness.js'
import { account, assertError, newReporter, openBlock, sworkEvents, sworkHarness } from './fixtures/swork-env.js'

const OWNER = account(10)
const MEMBER = account(11)
const OTHER = account(12)
const id = (who: Uint8Array) => ({ tag: 'Id', value: who })
/** `count` distinct accounts, none of them the test's named ones. */
const fillers = (count: number, tag: number) =>
  Array.from({ length: count }, (_, i) => {
    const a = new Uint8Array(32).fill(tag)
    a[0] = i & 0xff
    a[1] = i >> 8
    return a
  })
const callAs = (h: RuntimeHarness, who: Uint8Array, name: string, target?: Uint8Array) =>
  h.call(signed(who), 'Swork', name, target === undefined ? {} : { target: id(target) })

describe('swork: groups', () => {
  it('behavior: create, allowlist, join, quit and kick out, with events', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    const sworker = newReporter(h, MEMBER, { reported_srd_size: 10n, reported_files_size: 0n })
    WorkReports.insert(h.state, sworker.pubkey, { ...WorkReports.get(h.state, sworker.pubkey)!, spower: 77n })
    assert.equal(callAs(h, OWNER, 'create_group'), undefined)
    assert.equal(callAs(h, OWNER, 'add_member_into_allowlist', MEMBER), undefined)
    assert.deepEqual(Groups.get(h.state, OWNER), { members: [], allowlist: [MEMBER] })
    assert.equal(callAs(h, MEMBER, 'join_group', OWNER), undefined)
    assert.deepEqual(Groups.get(h.state, OWNER), { members: [MEMBER], allowlist: [] })
    assert.deepEqual(Identities.get(h.state, MEMBER)!.group, OWNER)
    assert.deepEqual(ownerOf(h.state, MEMBER), OWNER)
    assert.deepEqual(ownerOf(h.state, OTHER), OTHER)
    // Joining resets the member's spower: its storage now counts for the owner.
    assert.equal(WorkReports.get(h.state, sworker.pubkey)!.spower, 0n)
    const events = sworkEvents(h.endBlock()).filter((e) => !['RegisterSuccess', 'WorksReportSuccess'].includes(e.method))
    assert.deepEqual(events, [
      { method: 'CreateGroupSuccess', data: [u8aToHex(OWNER)] },
      { method: 'AddIntoAllowlistSuccess', data: [u8aToHex(OWNER), u8aToHex(MEMBER)] },
      { method: 'JoinGroupSuccess', data: [u8aToHex(MEMBER), u8aToHex(OWNER)] },
    ])
    // Quitting resets the member's files and spower.
    WorkReports.insert(h.state, sworker.pubkey, {
      ...WorkReports.get(h.state, sworker.pubkey)!,
      spower: 5n,
      reported_files_size: 9n,
      reported_files_root: new Uint8Array(32).fill(3),
    })
    assert.equal(callAs(h, MEMBER, 'quit_group'), undefined)
    const wr = WorkReports.get(h.state, sworker.pubkey)!
    assert.deepEqual([wr.spower, wr.reported_files_size, wr.reported_files_root, wr.free], [0n, 0n, new Uint8Array(32), 10n])
    assert.equal(Identities.get(h.state, MEMBER)!.group, undefined)
    assert.deepEqual(Groups.get(h.state, OWNER).members, [])
    // Kick out leaves the work report untouched.
    assert.equal(callAs(h, OWNER, 'add_member_into_allowlist', MEMBER), undefined)
    assert.equal(callAs(h, MEMBER, 'join_group', OWNER), undefined)
    WorkReports.insert(h.state, sworker.pubkey, { ...WorkReports.get(h.state, sworker.pubkey)!, spower: 6n })
    assert.equal(callAs(h, OWNER, 'kick_out', MEMBER), undefined)
    assert.equal(WorkReports.get(h.state, sworker.pubkey)!.spower, 6n)
    assert.equal(Identities.get(h.state, MEMBER)!.group, undefined)
    assert.deepEqual(
      sworkEvents(h.endBlock()).map((e) => e.method),
      ['QuitGroupSuccess', 'AddIntoAllowlistSuccess', 'JoinGroupSuccess', 'KickOutSuccess'],
    )
    assert.equal(callAs(h, OWNER, 'add_member_into_allowlist', OTHER), undefined)
    assert.equal(callAs(h, OWNER, 'remove_member_from_allowlist', OTHER), undefined)
    assert.deepEqual(Groups.get(h.state, OWNER).allowlist, [])
  })

  it('error: create_group rules', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    newReporter(h, MEMBER)
    assertError(h, callAs(h, MEMBER, 'create_group'), 'GroupOwnerForbidden')
    assert.equal(callAs(h, OWNER, 'create_group'), undefined)
    assertError(h, callAs(h, OWNER, 'create_group'), 'GroupAlreadyExist')
  })

  it('error: allowlist rules', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    newReporter(h, MEMBER)
    assertError(h, callAs(h, OWNER, 'add_member_into_allowlist', MEMBER), 'NotOwner')
    assertError(h, callAs(h, OWNER, 'remove_member_from_allowlist', MEMBER), 'NotOwner')
    assert.equal(callAs(h, OWNER, 'create_group'), undefined)
    assert.equal(callAs(h, OWNER, 'add_member_into_allowlist', MEMBER), undefined)
    assert.equal(callAs(h, MEMBER, 'join_group', OWNER), undefined)
    assertError(h, callAs(h, OWNER, 'add_member_into_allowlist', MEMBER), 'AlreadyJoint')
    const group = Groups.get(h.state, OWNER)
    Groups.insert(h.state, OWNER, { ...group, allowlist: fillers(MAX_GROUP_SIZE, 0xee) })
    assertError(h, callAs(h, OWNER, 'add_member_into_allowlist', OTHER), 'ExceedAllowlistLimit')
  })

  it('error: join, quit and kick out rules in Crust order', async () => {
    const h = await sworkHarness()
    openBlock(h, 2)
    assertError(h, callAs(h, MEMBER, 'join_group', OWNER), 'IdentityNotExist')
    newReporter(h, MEMBER)
    assertError(h, callAs(h, MEMBER, 'join_group', OWNER), 'NotOwner')
    assert.equal(callAs(h, OWNER, 'create_group'), undefined)
    assertError(h, callAs(h, MEMBER, 'join_group', OWNER), 'NotInAllowlist')
    const group = Groups.get(h.state, OWNER)
    Groups.insert(h.state, OWNER, { ...group, members: fillers(MAX_GROUP_SIZE, 0xdd), allowlist: [MEMBER] })
    assertError(h, callAs(h, MEMBER, 'join_group', OWNER), 'ExceedGroupLimit')
    Groups.insert(h.state, OWNER, { members: [], allowlist: [MEMBER] })
    assertError(h, callAs(h, MEMBER, 'quit_group'), 'NotJoint')
    assertError(h, callAs(h, OTHER, 'quit_group'), 'IdentityNotExist')
    assert.equal(callAs(h, MEMBER, 'join_group', OWNER), undefined)
    assertError(h, callAs(h, MEMBER, 'join_group', OWNER), 'AlreadyJoint')
    // kick_out: owner, identity, membership of this group.
    assertError(h, callAs(h, OTHER, 'kick_out', MEMBER), 'NotOwner')
    assertError(h, callAs(h, OWNER, 'kick_out', OTHER), 'IdentityNotExist')
    assert.equal(callAs(h, OTHER, 'create_group'), undefined)
    assertError(h, callAs(h, OTHER, 'kick_out', MEMBER), 'NotJoint')
    assert.equal(callAs(h, OWNER, 'kick_out', MEMBER), undefined)
  })
})
