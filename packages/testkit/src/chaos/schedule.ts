/**
 * A chaos run's fault schedule, drawn from a seed so that any run can be replayed: processes killed
 * (SIGKILL) and restarted, hosts cut off and healed. Each fault is repaired after a while; at most
 * `maxValidatorsDown` validators are down or cut at once (with 4 validators, 1: the other three
 * are more than 2/3 and finality must go on), no target has two faults at once, and every fault is
 * repaired before the run ends (so the invariants can be checked on a healed network).
 *
 * Beside them, on their own seeded stream (so adding them left the kill/cut schedule of a seed as
 * it was): one storage node's disk filled and freed again (`fill`/`free`), a fault of its file
 * system rather than of its process or links, so it may overlap a kill or a cut of the same node;
 * and, on a third stream, one validator's clock skewed by a few block times and set right again
 * (`skew`/`unskew`: the validator restarted with a test clock offset, then without).
 */
import { seededRandom } from '../netns/seeded-random.js'

export type FaultKind = 'kill' | 'restart' | 'cut' | 'heal' | 'fill' | 'free' | 'skew' | 'unskew'

export interface ScheduledFault {
  /** Milliseconds from the start of the run. */
  atMs: number
  kind: FaultKind
  target: string
  /** `skew`: how far the target's clock is off (positive: ahead). */
  offsetMs?: number
}

export interface ChaosScheduleInit {
  seed: number
  durationMs: number
  validators: string[]
  /** Storage nodes and the gateway: any number of them may be faulty at once. */
  others: string[]
  /** Mean pause between two faults. */
  meanGapMs: number
  /** A fault lasts between `minFaultMs` and `maxFaultMs`. */
  minFaultMs: number
  maxFaultMs: number
  maxValidatorsDown: number
  /** Storage nodes whose data folder is a small file system of its own: their disks are filled and freed. */
  diskTargets?: string[]
  /** Validators whose clock is skewed by up to ±`maxClockOffsetMs` (at least a quarter of it) and set right again. */
  clockTargets?: string[]
  maxClockOffsetMs?: number
}

const REPAIR: Record<'kill' | 'cut' | 'fill', FaultKind> = { kill: 'restart', cut: 'heal', fill: 'free' }

/** The disk and clock streams' seeds: other streams than the process and link faults' of the same seed. */
const DISK_STREAM = 0x5eed_d15c
const CLOCK_STREAM = 0x5eed_c10c

/** The faults of a run, in time order. */
export function chaosSchedule(init: ChaosScheduleInit): ScheduledFault[] {
  const random = seededRandom(init.seed)
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const faults: ScheduledFault[] = []
  /** When each target's current fault is repaired (absent: healthy). */
  const busyUntil = new Map<string, number>()
  // The last fault must be repaired before the end.
  const lastStart = init.durationMs - init.maxFaultMs
  for (let t = between(0, 2 * init.meanGapMs); t <= lastStart; t += between(1, 2 * init.meanGapMs)) {
    for (const [target, until] of busyUntil) if (until <= t) busyUntil.delete(target)
    const validatorsDown = init.validators.filter((v) => busyUntil.has(v)).length
    const candidates = [...(validatorsDown < init.maxValidatorsDown ? init.validators : []), ...init.others].filter((x) => !busyUntil.has(x))
    if (candidates.length === 0) continue
    const target = candidates[Math.floor(random() * candidates.length)]!
    const kind = random() < 0.5 ? 'kill' : 'cut'
    const repairAt = t + between(init.minFaultMs, init.maxFaultMs)
    busyUntil.set(target, repairAt)
    faults.push({ atMs: t, kind, target }, { atMs: repairAt, kind: REPAIR[kind], target })
  }
  faults.push(...diskFaults(init, lastStart), ...clockFaults(init, lastStart, windows(faults)))
  // A stable sort: at one instant, the process and link faults keep their order.
  return faults.sort((a, b) => a.atMs - b.atMs)
}

/** Each target's faults as [from, to] windows (a fault to its repair). */
function windows(faults: ScheduledFault[]): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>()
  const open = new Map<string, number>()
  for (const f of [...faults].sort((a, b) => a.atMs - b.atMs)) {
    if (f.kind === 'kill' || f.kind === 'cut') open.set(f.target, f.atMs)
    else if (open.has(f.target)) {
      out.set(f.target, [...(out.get(f.target) ?? []), [open.get(f.target)!, f.atMs]])
      open.delete(f.target)
    }
  }
  return out
}

/** Skews the clock targets' clocks and sets them right, one skew at a time per target, every one set right before the end. */
function clockFaults(init: ChaosScheduleInit, lastStart: number, busy: Map<string, Array<[number, number]>>): ScheduledFault[] {
  const random = seededRandom((init.seed ^ CLOCK_STREAM) >>> 0)
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const max = init.maxClockOffsetMs ?? 0
  const faults: ScheduledFault[] = []
  if (max <= 0) return faults
  for (const target of init.clockTargets ?? []) {
    for (let t = between(0, 4 * init.meanGapMs); t <= lastStart; ) {
      const offsetMs = (random() < 0.5 ? -1 : 1) * between(Math.ceil(max / 4), max)
      const rightAt = t + between(init.minFaultMs, init.maxFaultMs)
      // Skewing restarts the validator: not while it is down or cut (the kill's own restart would
      // find it running, or the skew would restart it before its time).
      const during = (at: number) => (busy.get(target) ?? []).some(([from, to]) => at >= from && at <= to)
      if (!during(t) && !during(rightAt)) faults.push({ atMs: t, kind: 'skew', target, offsetMs }, { atMs: rightAt, kind: 'unskew', target })
      t = rightAt + between(1, 4 * init.meanGapMs)
    }
  }
  return faults
}

/** Fills and frees the disk targets', one fill at a time per target, every fill freed before `lastStart` + `maxFaultMs`. */
function diskFaults(init: ChaosScheduleInit, lastStart: number): ScheduledFault[] {
  const random = seededRandom((init.seed ^ DISK_STREAM) >>> 0)
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const faults: ScheduledFault[] = []
  for (const target of init.diskTargets ?? []) {
    // Rarer than the others (a full disk stays full for a while): about one per four mean gaps.
    for (let t = between(0, 4 * init.meanGapMs); t <= lastStart; ) {
      const freeAt = t + between(init.minFaultMs, init.maxFaultMs)
      faults.push({ atMs: t, kind: 'fill', target }, { atMs: freeAt, kind: REPAIR.fill, target })
      t = freeAt + between(1, 4 * init.meanGapMs)
    }
  }
  return faults
}
