import type { sworkWire } from '@crust-ts/protocol'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { Enclave } from '../enclave/interface.js'
import { merkleRoot } from '../merkle/index.js'
import type { Sealer } from '../seal/index.js'
import type { Srd } from '../srd/index.js'
import { Bucket, type BytesDb, type SealedStore } from '../store/index.js'
import { REPORT_FILES_LIMIT } from './constants.js'
import { ReportError, ReportErrorCode } from './errors.js'

/** Collaborators of {@link WorkReporter}. */
export interface WorkReporterComponents {
  store: SealedStore
  enclave: Enclave
  sealer: Sealer
  srd: Srd
  logger: ComponentLogger
}

/** Parameters of {@link WorkReporter.buildWorkReport}: the report slot and the hash of its block. */
export interface BuildWorkReportParameters {
  slot: bigint | number
  slotHash: Uint8Array
}

/** A signed work report: the signed fields, the signature, and `swork.reportWorks`' arguments in order. */
export interface WorkReport {
  fields: sworkWire.WorkReportPayloadFields
  sig: Uint8Array
  args: readonly [
    curr_pk: Uint8Array,
    ab_upgrade_pk: Uint8Array,
    slot: bigint,
    slot_hash: Uint8Array,
    reported_srd_size: bigint,
    reported_files_size: bigint,
    added_files: sworkWire.ReportedFile[],
    deleted_files: sworkWire.ReportedFile[],
    reported_srd_root: Uint8Array,
    reported_files_root: Uint8Array,
    sig: Uint8Array,
  ]
}
export type BuildWorkReportReturnType = WorkReport

/** What the chain was last told about a file. */
interface ReportedEntry {
  size: number
  root: string
  cBlockNum: number
}

/** The last built report's delta and the files size and root it leads to, until the chain says whether it landed. */
interface PendingReport {
  added: Array<[string, ReportedEntry]>
  deleted: string[]
  /** Hex of the files root after the delta. */
  filesRoot: string
  /** Decimal files size after the delta. */
  filesSize: string
}

/** What the chain holds as this enclave's last work report (`swork.workReports(anchor)`). */
export interface ChainFilesState {
  filesSize: bigint
  filesRoot: Uint8Array
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const PENDING_KEY = encoder.encode('pending-report')

/**
 * Builds signed work reports. The files part is a delta against what the last landed report said
 * (kept in the store): valid files not yet reported are added, reported files no longer valid
 * (deleted or lost) are deleted, at most 300 of each. Size and root are those of the reported set
 * after this delta (sum of sizes; Merkle over the files' roots in CID-string order), so they
 * always satisfy the chain's transition check. Nothing is remembered until {@link commitReport}:
 * a report that did not land is rebuilt with the same delta.
 *
 * A report can land without the sWorker hearing of it (killed between inclusion and commit, or the
 * answer lost on the way): the next delta would then repeat it, and the chain refuses every later
 * report with IllegalFilesTransition, for good. So the last built delta is kept in the store, and
 * {@link reconcile} settles it against the chain's own record before the next report is built.
 */
export class WorkReporter {
  private readonly enclave: Enclave
  private readonly sealer: Sealer
  private readonly srd: Srd
  private readonly store: SealedStore
  private readonly reported: BytesDb
  private readonly log: Logger
  private readonly meta: BytesDb
  private built: PendingReport | undefined

  constructor(components: WorkReporterComponents) {
    this.enclave = components.enclave
    this.sealer = components.sealer
    this.srd = components.srd
    this.store = components.store
    this.reported = components.store.db(Bucket.reportedFiles)
    this.meta = components.store.db(Bucket.meta)
    this.log = components.logger.forComponent('sworker:report')
  }

  private reportedFiles(): Map<string, ReportedEntry> {
    const out = new Map<string, ReportedEntry>()
    for (const { key, value } of this.reported.getRange({})) out.set(decoder.decode(key), JSON.parse(decoder.decode(value)) as ReportedEntry)
    return out
  }

  /** Builds and signs the report for `slot`. */
  buildWorkReport(parameters: BuildWorkReportParameters): BuildWorkReportReturnType {
    const reported = this.reportedFiles()
    const valid = new Map(
      this.sealer
        .list()
        .filter((f) => f.status === 'valid')
        .map((f) => [f.cid, f] as const),
    )
    const byCid = (a: string, b: string) => Buffer.compare(encoder.encode(a), encoder.encode(b))
    const added = [...valid.keys()]
      .filter((cid) => !reported.has(cid))
      .sort(byCid)
      .slice(0, REPORT_FILES_LIMIT)
      .map((cid) => {
        const f = valid.get(cid)!
        return [cid, { size: f.size, root: f.root, cBlockNum: f.cBlockNum }] as [string, ReportedEntry]
      })
    const deleted = [...reported.keys()]
      .filter((cid) => !valid.has(cid))
      .sort(byCid)
      .slice(0, REPORT_FILES_LIMIT)

    const next = new Map(reported)
    for (const cid of deleted) next.delete(cid)
    for (const [cid, entry] of added) next.set(cid, entry)
    const order = [...next.keys()].sort(byCid)
    let filesSize = 0n
    for (const cid of order) filesSize += BigInt(next.get(cid)!.size)
    const filesRoot = merkleRoot(order.map((cid) => Buffer.from(next.get(cid)!.root, 'hex')))

    const entry = (cid: string, e: ReportedEntry): sworkWire.ReportedFile => [encoder.encode(cid), BigInt(e.size), BigInt(e.cBlockNum)]
    const fields: sworkWire.WorkReportPayloadFields = {
      curr_pk: this.enclave.publicKey,
      ab_upgrade_pk: new Uint8Array(0),
      slot: BigInt(parameters.slot),
      slot_hash: parameters.slotHash,
      reported_srd_size: this.srd.size(),
      reported_files_size: filesSize,
      added_files: added.map(([cid, e]) => entry(cid, e)),
      deleted_files: deleted.map((cid) => entry(cid, reported.get(cid)!)),
      reported_srd_root: this.srd.root(),
      reported_files_root: filesRoot,
    }
    const sig = this.enclave.signWorkReport(fields)
    this.built = { added, deleted, filesRoot: Buffer.from(filesRoot).toString('hex'), filesSize: filesSize.toString() }
    this.meta.putSync(PENDING_KEY, encoder.encode(JSON.stringify(this.built)))
    this.log.debug({ slot: fields.slot, added: added.length, deleted: deleted.length }, 'work report built')
    return {
      fields,
      sig,
      args: [
        fields.curr_pk,
        fields.ab_upgrade_pk,
        fields.slot,
        fields.slot_hash,
        fields.reported_srd_size,
        fields.reported_files_size,
        fields.added_files,
        fields.deleted_files,
        fields.reported_srd_root,
        fields.reported_files_root,
        sig,
      ],
    }
  }

  /**
   * Records that the last built report landed on chain, so the next one reports from there.
   * Throws `SWORKER_ERROR_REPORT_NOTHING_TO_COMMIT` if no report was built since the last commit.
   */
  async commitReport(): Promise<void> {
    const built = this.built
    if (built === undefined) throw new ReportError(ReportErrorCode.NOTHING_TO_COMMIT, 'no work report was built since the last commit')
    await this.store.transaction(() => {
      for (const cid of built.deleted) this.reported.remove(encoder.encode(cid))
      for (const [cid, e] of built.added) this.reported.put(encoder.encode(cid), encoder.encode(JSON.stringify(e)))
      this.meta.remove(PENDING_KEY)
    })
    this.built = undefined
  }

  /**
   * Settles the last built report (this run's, or one a crash left in the store) against the
   * chain's record of this enclave's reports: `landed` (recorded now) when the chain's files size
   * and root are the ones it led to, `dropped` when they are not (it did not land: the next report
   * is built afresh), `none` when no report was pending.
   */
  async reconcile(onChain: ChainFilesState | undefined): Promise<'landed' | 'dropped' | 'none'> {
    const stored = this.meta.getBinary(PENDING_KEY)
    const pending = this.built ?? (stored === undefined ? undefined : (JSON.parse(decoder.decode(stored)) as PendingReport))
    if (pending === undefined) return 'none'
    if (onChain !== undefined && Buffer.from(onChain.filesRoot).toString('hex') === pending.filesRoot && onChain.filesSize === BigInt(pending.filesSize)) {
      this.built = pending
      await this.commitReport()
      return 'landed'
    }
    this.built = undefined
    await this.store.transaction(() => {
      this.meta.remove(PENDING_KEY)
    })
    return 'dropped'
  }
}
