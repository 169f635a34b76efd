/**
 * Owner and member groups (Crust's swork groups): an owner creates its group and allowlists its
 * members; a member joins after its first work report, so its storage counts for the owner.
 */
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { Logger } from '@crust-ts/base'
import { callOf, NodeTxError, submitTx } from './tx.js'

interface GroupJson {
  members: string[]
  allowlist: string[]
}

export async function ensureGroup(api: ApiPromise, owner: KeyringPair, members: string[], log: Logger): Promise<void> {
  const created = await submitTx(api, callOf(api, 'swork', 'createGroup'), owner)
  if (created === undefined) log.info({ owner: owner.address }, 'group created')
  else if (created !== 'swork.GroupAlreadyExist') throw new NodeTxError(`cannot create the group of ${owner.address}: ${created}`, created)
  const group = (await api.query.swork.groups(owner.address)).toJSON() as unknown as GroupJson
  for (const member of members) {
    if (group.allowlist.includes(member) || group.members.includes(member)) continue
    const error = await submitTx(api, callOf(api, 'swork', 'addMemberIntoAllowlist', member), owner)
    if (error !== undefined) throw new NodeTxError(`cannot allowlist ${member}: ${error}`, error)
    log.info({ member }, 'member allowlisted')
  }
}

/** Joins `owner`'s group once the member's identity has reported; waits for that first report. */
export async function ensureJoined(api: ApiPromise, member: KeyringPair, owner: string, log: Logger, signal: AbortSignal): Promise<void> {
  for (;;) {
    const identity = (await api.query.swork.identities(member.address)).toJSON() as { group: string | null; anchor: string } | null
    if (identity?.group === owner) return
    if (identity?.group != null) throw new NodeTxError(`${member.address} is already in the group of ${identity.group}; quit it first (swork.quitGroup)`)
    const reported = identity !== null && (await api.query.swork.workReports(identity.anchor)).toJSON() !== null
    if (reported) {
      const error = await submitTx(api, callOf(api, 'swork', 'joinGroup', owner), member)
      if (error === undefined) {
        log.info({ owner }, 'joined the group')
        return
      }
      if (error === 'swork.NotInAllowlist') {
        throw new NodeTxError(`the group owner ${owner} has not allowlisted ${member.address}: run the owner with --members ${member.address}`, error)
      }
      throw new NodeTxError(`cannot join the group of ${owner}: ${error}`, error)
    }
    log.info('waiting for the first work report before joining the group')
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 3000)
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          reject(signal.reason)
        },
        { once: true },
      )
    })
  }
}
