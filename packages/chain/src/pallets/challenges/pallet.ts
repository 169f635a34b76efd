/**
 * `Challenges` (not in Crust): storage you can check without trusting the enclave. Each report
 * slot, randomness from the chain picks k replicas of every storage node and a 1 KiB segment of
 * each; the node answers with the segments and their Merkle paths against the file's content root
 * (Market.FileRoots) within W blocks, in one free extrinsic. A missed deadline or a wrong proof
 * removes the replica at once (not counted, not paid, spower and stake limit lowered) and is a
 * fault in the sWorker's history; faults of one owner in OFFENCE_FAULT_THRESHOLD report slots of an
 * era are an offence. Nodes submit the roots of files ordered without one; a node may declare lost files
 * before a challenge (un-paid only). See the chain README.
 */
import { bool, named, u32, vec } from '../../primitives/codec/scale-type.js'
import { call, constant, definePallet, ensureRoot, ensureSigned, type Pallet } from '../../frame/pallet.js'
import { storageProof } from '@crust-ts/protocol'
import { contentRoot } from '../market/file-roots.js'
import { merkleRoot } from '../market/types.js'
import { ANSWER_BASE_WEIGHT, ANSWER_PER_PROOF_WEIGHT, answerChallenges } from './answer.js'
import { DB_READ, DB_WRITE, MAX_DECLARED_FILES, OFFENCE_FAULT_THRESHOLD } from './constants.js'
import { declareLostFiles } from './declare.js'
import { challengesErrors, challengesEvents } from './errors.js'
import { challengesOnInitialize } from './issue.js'
import { SUBMIT_ROOT_WEIGHT, submitFileRoot, WRONG_ROOT_WEIGHT } from './roots.js'
import { challengesStorage, Enabled, ExpiryCursor, OpenCount, Round } from './storage.js'
import { MAX_REPLICAS } from '../market/constants.js'
import { reportSlot, segmentProof } from './types.js'

export function challengesPallet(index: number): Pallet {
  return definePallet({
    name: 'Challenges',
    index,
    path: 'pallet_challenges',
    storage: challengesStorage,
    calls: {
      submit_file_root: call({
        index: 0,
        args: { cid: merkleRoot, root: contentRoot },
        // Worst case: the root fixes and every other holder disagreed (refunded down to what happened).
        weight: SUBMIT_ROOT_WEIGHT + BigInt(MAX_REPLICAS) * WRONG_ROOT_WEIGHT,
        docs: [
          "A replica holder's content root of a file (after its first report of it). Against a fixed root: a match does nothing,",
          'a mismatch removes the replica. Otherwise it waits until another holder submits the same root, which fixes it.',
        ],
        dispatch: (ctx, origin, args) => submitFileRoot(ctx, ensureSigned(origin), args.cid, args.root),
      }),
      answer_challenges: call({
        index: 1,
        args: { slot: reportSlot, proofs: vec(segmentProof) },
        weight: (args) => ANSWER_BASE_WEIGHT + BigInt(args.proofs.length) * ANSWER_PER_PROOF_WEIGHT,
        docs: ["Answer the caller's open challenges of `slot`: one proof per challenge, in order. Free when every proof verifies."],
        dispatch: (ctx, origin, args) => answerChallenges(ctx, ensureSigned(origin), args.slot, args.proofs),
      }),
      declare_lost_files: call({
        index: 2,
        args: { cids: vec(merkleRoot) },
        weight: (args) => 50_000_000n + BigInt(Math.min(args.cids.length, MAX_DECLARED_FILES)) * WRONG_ROOT_WEIGHT + DB_READ,
        docs: ['Declare files lost before being challenged on them: their replicas are removed and un-paid, with no offence.'],
        dispatch: (ctx, origin, args) => declareLostFiles(ctx, ensureSigned(origin), args.cids),
      }),
      set_enabled: call({
        index: 3,
        args: { enabled: bool },
        weight: 1_000n + DB_WRITE,
        docs: ['Switch challenge issuing on or off (root). Open challenges run to their deadline either way.'],
        dispatch: (ctx, origin, { enabled }) => {
          ensureRoot(origin)
          Enabled.put(ctx.state, enabled)
          if (!enabled) Round.kill(ctx.state)
          else if (OpenCount.get(ctx.state) === 0) ExpiryCursor.put(ctx.state, ctx.blockNumber)
          ctx.deposit(challengesEvents.SetEnabledSuccess, { enabled })
        },
      }),
    },
    events: challengesEvents,
    errors: challengesErrors,
    constants: {
      ChallengesPerNode: constant(u32, (c) => c.challengesPerNode, 'Replicas each storage node is challenged on per report slot (k).'),
      ChallengeWindow: constant(named(u32, 'BlockNumber'), (c) => c.challengeWindow, 'Blocks a storage node has to answer its challenges (W).'),
      SegmentSize: constant(u32, () => storageProof.SEGMENT_SIZE, 'Bytes per segment of a content root.'),
      OffenceFaultThreshold: constant(u32, () => OFFENCE_FAULT_THRESHOLD, 'Report slots of one era with counted faults of an owner that make an offence.'),
    },
    onInitialize: challengesOnInitialize,
  })
}
