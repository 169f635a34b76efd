/**
 * What the chain records of a file's storage challenges (issue #18; not in Crust): its content
 * root (`market.fileRoots`, or the holders' candidates while none is fixed) and, per replica
 * holder, its last accepted proof of the file, its open challenges on it and its faults on it,
 * with the holder's counters over all its files; plus the faults on the file of sWorkers whose
 * replica is gone (a failed or missed challenge, a wrong root, a declared loss removes it).
 */
import type { ApiPromise } from '@polkadot/api'
import { assertCid } from './validate.js'
import type { FileInfo } from './status.js'

/** Why a replica failed, as the chain names it (`pallet_challenges::FaultKind`). */
export type ChallengeFaultKind = 'Missed' | 'InvalidProof' | 'WrongRoot' | 'Declared'

/** A file's content commitment: 0x hex root of 32 bytes and the content size it binds. */
export interface ChainContentRoot {
  root: string
  size: bigint
}

/** One challenge still open on the file: the segment asked for and the last block an answer counts. */
export interface OpenChallenge {
  segment: number
  issuedAt: number
  deadline: number
}

export interface ChallengeFault {
  block: number
  kind: ChallengeFaultKind
}

/** An sWorker's counters over all its files (`challenges.stats`). */
export interface ChallengeCounters {
  issued: number
  passed: number
  failed: number
  declared: number
}

/** A replica holder's challenges on the file. */
export interface ReplicaChallenges {
  /** The holder's account (SS58). */
  who: string
  /** Its sWorker's anchor (hex). */
  anchor: string
  /** Block of its last accepted proof of this file; undefined before its first. */
  lastProof: number | undefined
  open: OpenChallenge[]
  /** Its faults on this file that the chain still keeps (an sWorker's most recent), oldest first. */
  faults: ChallengeFault[]
  counters: ChallengeCounters
}

export interface FileChallengesReturnType {
  /** Whether the chain issues challenges each report slot. */
  enabled: boolean
  /** The fixed root; undefined while none is. */
  root: ChainContentRoot | undefined
  /** Roots replica holders submitted while none is fixed (two that agree fix it). */
  candidates: Array<ChainContentRoot & { who: string }>
  replicas: ReplicaChallenges[]
  /** Faults on this file of sWorkers that hold no replica of it any more (by anchor). */
  removed: Array<ChallengeFault & { anchor: string }>
}

export interface FileChallengesOptions {
  /** Also look through every sWorker's faults for replicas already removed (one read of all `challenges.faults`; default true). */
  removed?: boolean
}

interface Num {
  toNumber(): number
  toBigInt(): bigint
}
/**
 * `pallet_market::ContentRoot`. A Struct is a Map, whose `size` is its field count: @polkadot/types
 * renames the field `size_` (older versions may not), so it is read with `get`.
 */
interface RawRoot {
  root: { toHex(): string }
  get(field: 'size' | 'size_'): Num | undefined
}
interface RawFault {
  cid: { toUtf8(): string }
  block: Num
  kind: { type: string }
}
interface RawChallengeSet {
  issuedAt: Num
  deadline: Num
  challenges: Array<{ cid: { toUtf8(): string }; segment: Num }>
}
interface RawStats {
  issued: Num
  passed: Num
  failed: Num
  declared: Num
}
interface Opt<T> {
  isNone: boolean
  unwrap(): T
}

const rootOf = (r: RawRoot): ChainContentRoot => ({ root: r.root.toHex(), size: (r.get('size_') ?? r.get('size'))!.toBigInt() })
const faultsOn = (faults: RawFault[], cid: string): ChallengeFault[] =>
  faults.filter((f) => f.cid.toUtf8() === cid).map((f) => ({ block: f.block.toNumber(), kind: f.kind.type as ChallengeFaultKind }))

/**
 * The challenges of `cid` as the chain holds them, for the order `file` (`orderStatus`); undefined on
 * a chain without storage challenges (Crust's own). Throws `SDK_ERROR_BAD_CID`.
 */
export async function fileChallenges(
  api: ApiPromise,
  cid: string,
  file: FileInfo,
  options: FileChallengesOptions = {},
): Promise<FileChallengesReturnType | undefined> {
  assertCid(cid)
  const challenges = api.query.challenges
  const market = api.query.market!
  if (challenges === undefined || market.fileRoots === undefined) return undefined
  const [enabled, root, candidates] = await Promise.all([
    challenges.enabled!() as unknown as Promise<{ isTrue: boolean }>,
    market.fileRoots(cid) as unknown as Promise<Opt<RawRoot>>,
    market.fileRootCandidates!(cid) as unknown as Promise<Array<[{ toString(): string }, RawRoot]>>,
  ])
  const replicas = await Promise.all(
    file.replicas.map(async (r): Promise<ReplicaChallenges> => {
      const [lastProof, open, faults, stats] = await Promise.all([
        challenges.lastProof!(r.anchor, cid) as unknown as Promise<Opt<Num>>,
        challenges.openChallenges!(r.who) as unknown as Promise<Opt<RawChallengeSet>>,
        challenges.faults!(r.anchor) as unknown as Promise<RawFault[]>,
        challenges.stats!(r.anchor) as unknown as Promise<RawStats>,
      ])
      const set = open.isNone ? undefined : open.unwrap()
      return {
        who: r.who,
        anchor: r.anchor,
        lastProof: lastProof.isNone ? undefined : lastProof.unwrap().toNumber(),
        open:
          set === undefined
            ? []
            : set.challenges
                .filter((c) => c.cid.toUtf8() === cid)
                .map((c) => ({ segment: c.segment.toNumber(), issuedAt: set.issuedAt.toNumber(), deadline: set.deadline.toNumber() })),
        faults: faultsOn([...faults], cid),
        counters: { issued: stats.issued.toNumber(), passed: stats.passed.toNumber(), failed: stats.failed.toNumber(), declared: stats.declared.toNumber() },
      }
    }),
  )
  const removed: FileChallengesReturnType['removed'] = []
  if (options.removed ?? true) {
    const holding = new Set(file.replicas.map((r) => r.anchor))
    const all = (await challenges.faults!.entries()) as unknown as Array<[{ args: [{ toHex(): string }] }, RawFault[]]>
    for (const [key, faults] of all) {
      const anchor = key.args[0].toHex()
      if (holding.has(anchor)) continue
      for (const f of faultsOn([...faults], cid)) removed.push({ anchor, ...f })
    }
    removed.sort((a, b) => a.block - b.block)
  }
  return {
    enabled: enabled.isTrue,
    root: root.isNone ? undefined : rootOf(root.unwrap()),
    candidates: [...candidates].map(([who, r]) => ({ who: who.toString(), ...rootOf(r) })),
    replicas,
    removed,
  }
}
