import { randomInt } from 'node:crypto'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { AbortOptions } from '../enclave/interface.js'
import type { FileRecord, Sealer } from '../seal/index.js'
import type { Srd } from '../srd/index.js'

/** Collaborators of {@link IntegrityChecker}. */
export interface IntegrityCheckerComponents {
  sealer: Sealer
  srd: Srd
  logger: ComponentLogger
}

/** Outcome of one check run. */
export interface IntegrityCheckResult {
  checkedBlocks: number
  checkedUnits: number
  /** Files found damaged and marked `lost`. */
  lostFiles: string[]
  /** SRD units found damaged and dropped. */
  droppedUnits: string[]
}

/** Picks `count` distinct block positions among `files` (all of them when `count` covers every block). */
function sampleBlocks(files: FileRecord[], count: number): Array<[FileRecord, number]> {
  const total = files.reduce((n, f) => n + f.blockCount, 0)
  const out: Array<[FileRecord, number]> = []
  if (count >= total) {
    for (const f of files) for (let i = 0; i < f.blockCount; i++) out.push([f, i])
    return out
  }
  const picked = new Set<number>()
  while (picked.size < count) picked.add(randomInt(total))
  for (const position of [...picked].sort((a, b) => a - b)) {
    let rest = position
    for (const f of files) {
      if (rest < f.blockCount) {
        out.push([f, rest])
        break
      }
      rest -= f.blockCount
    }
  }
  return out
}

/**
 * Samples sealed blocks and SRD units and verifies them: a sealed block must exist, decrypt and
 * hash to its CID (else its file is marked `lost`); an SRD unit's sampled bytes must equal the
 * enclave's regeneration (else the unit is dropped).
 */
export class IntegrityChecker {
  private readonly sealer: Sealer
  private readonly srd: Srd
  private readonly log: Logger

  constructor(components: IntegrityCheckerComponents) {
    this.sealer = components.sealer
    this.srd = components.srd
    this.log = components.logger.forComponent('sworker:check')
  }

  /** Checks up to `sampleCount` random sealed blocks and `sampleCount` random SRD units (everything when it covers all). */
  async runIntegrityCheck(sampleCount: number, options: AbortOptions = {}): Promise<IntegrityCheckResult> {
    const result: IntegrityCheckResult = { checkedBlocks: 0, checkedUnits: 0, lostFiles: [], droppedUnits: [] }
    const files = this.sealer.list().filter((f) => f.status === 'valid')
    const lost = new Set<string>()
    for (const [file, index] of sampleBlocks(files, sampleCount)) {
      options.signal?.throwIfAborted()
      if (lost.has(file.cid)) continue
      result.checkedBlocks++
      if (this.sealer.verifyBlock(file.cid, index) === undefined) {
        lost.add(file.cid)
        await this.sealer.markLost(file.cid)
        this.log.warn({ cid: file.cid, index }, 'sealed block missing or damaged: file lost')
      }
    }
    result.lostFiles = [...lost]
    const units = this.srd.list()
    const picks =
      sampleCount >= units.length
        ? units
        : units
            .map((u) => [randomInt(2 ** 32), u] as const)
            .sort((a, b) => a[0] - b[0])
            .slice(0, sampleCount)
            .map(([, u]) => u)
    for (const unit of picks) {
      options.signal?.throwIfAborted()
      result.checkedUnits++
      if (!(await this.srd.verifyUnit(unit.id))) {
        await this.srd.drop(unit.id)
        result.droppedUnits.push(unit.id)
        this.log.warn({ unit: unit.id }, 'SRD unit damaged: dropped')
      }
    }
    return result
  }
}
