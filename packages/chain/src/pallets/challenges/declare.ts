/**
 * `declare_lost_files(cids)`: a storage node that lost files says so before it is challenged on
 * them (Filecoin's declared faults): each replica is removed and un-paid, the fault recorded as
 * `Declared`, not counted towards an offence and with no immediate stake-limit cut (the replica's
 * spower leaves with it, so the next aggregation lowers the limit). A file already in the node's
 * open challenges cannot be declared: the challenge decides.
 */
import { type DispatchContext, moduleError } from '../../frame/pallet.js'
import { replicaOfAnchor } from '../market/replicas.js'
import { FilesV2 } from '../market/storage.js'
import { Identities } from '../swork/storage.js'
import { sameBytes } from '../swork/types.js'
import { MAX_DECLARED_FILES } from './constants.js'
import { challengesErrors, challengesEvents } from './errors.js'
import { failReplica } from './faults.js'
import { OpenChallenges } from './storage.js'

export function declareLostFiles(ctx: DispatchContext, who: Uint8Array, cids: Uint8Array[]): void {
  if (cids.length > MAX_DECLARED_FILES) throw moduleError(challengesErrors.TooManyFiles)
  const anchor = Identities.get(ctx.state, who)?.anchor
  if (anchor === undefined) throw moduleError(challengesErrors.NotReplicaHolder)
  const open = OpenChallenges.get(ctx.state, who)
  let count = 0
  for (const cid of cids) {
    if (open?.challenges.some((c) => sameBytes(c.cid, cid))) throw moduleError(challengesErrors.FileUnderChallenge)
    const file = FilesV2.get(ctx.state, cid)
    const replica = file === undefined ? undefined : replicaOfAnchor(file, anchor)
    if (replica === undefined || !sameBytes(replica[1].who, who)) throw moduleError(challengesErrors.NotReplicaHolder)
    failReplica(ctx, who, anchor, cid, 'Declared')
    count++
  }
  ctx.deposit(challengesEvents.FilesDeclaredLost, { who, count })
}
