/**
 * The sWorker's side of the chain: registers its enclave identity (once; reused on restart) and
 * submits one signed work report per report slot with `swork.reportWorks`, remembering what was
 * reported only when the chain accepted it.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { type ComponentLogger, silentLogger } from '@crust-ts/base'
import type { Sworker } from '../node/sworker.js'
import type { ChainFilesState } from '../report/index.js'
import { SworkerChainError, submitCall as submit } from './submit.js'

export interface SworkerChainAgentInit {
  api: ApiPromise
  /** The node's account: the applier of the registration and the sender of work reports. */
  account: KeyringPair
  logger?: ComponentLogger
}

/** `missed`: the report was built and sent but not accepted (otherwise it was not due yet). */
export type ReportOutcome =
  | { submitted: true; slot: bigint; added: number; deleted: number }
  | { submitted: false; slot: bigint; reason: string; missed: boolean }

const hex = (b: Uint8Array) => u8aToHex(b)

export class SworkerChainAgent {
  private readonly log
  private lastSlot: bigint | undefined

  constructor(
    private readonly sworker: Sworker,
    private readonly init: SworkerChainAgentInit,
  ) {
    this.log = (init.logger ?? silentLogger).forComponent('sworker:chain')
  }

  /**
   * Registers the enclave key unless the chain already knows it as this account's. The chain binds
   * a key to the account that registered it (`Swork.PubKeyOwner`): a key bound to another account
   * cannot report from this one, so that is an error here rather than a report refused every slot.
   */
  async ensureRegistered(): Promise<'registered' | 'already'> {
    const { api, account } = this.init
    const pk = this.sworker.enclave.publicKey
    const query = api.query.swork as unknown as { pubKeyOwner(pk: string): Promise<{ isSome: boolean; unwrap(): { toU8a(): Uint8Array } }> }
    const bound = await query.pubKeyOwner(hex(pk))
    const owner = bound.isSome ? hex(bound.unwrap().toU8a()) : undefined
    if (owner !== undefined && owner !== hex(account.publicKey)) {
      throw new SworkerChainError('SWORKER_ERROR_KEY_BOUND_ELSEWHERE', 'the enclave key is registered to another account', { owner })
    }
    // PubKeys has a default value (an empty code) for unknown keys.
    const known = (await api.query.swork.pubKeys(hex(pk))).toJSON() as { code?: string } | null
    if (owner !== undefined && known !== null && known.code !== undefined && known.code !== '0x') return 'already'
    const a = await this.sworker.enclave.attest(account.publicKey)
    await submit(api, api.tx.swork.register(hex(a.ias_sig), hex(a.ias_cert), hex(a.applier), hex(a.isv_body), hex(a.sig)), account)
    this.log.info({ pk: hex(pk) }, 'enclave identity registered')
    return 'registered'
  }

  /** This enclave's last work report on chain (its identity's anchor's), or undefined when it has none. */
  private async chainReport(): Promise<(ChainFilesState & { slot: bigint }) | undefined> {
    const { api, account } = this.init
    const identity = (await api.query.swork.identities(account.address)).toJSON() as { anchor: string } | null
    if (identity === null) return undefined
    const report = (await api.query.swork.workReports(identity.anchor)).toJSON() as {
      reportSlot: number | string
      reportedFilesSize: number | string
      reportedFilesRoot: string
    } | null
    if (report === null) return undefined
    return { slot: BigInt(report.reportSlot), filesSize: BigInt(report.reportedFilesSize), filesRoot: hexToU8a(report.reportedFilesRoot) }
  }

  /** Sends the work report of the current report slot, once per slot. */
  async reportOnce(): Promise<ReportOutcome> {
    const { api, account } = this.init
    const reportSlot = BigInt((api.consts.swork as unknown as { reportSlot: { toString(): string } }).reportSlot.toString())
    const best = (await api.rpc.chain.getHeader()).number.toBigInt()
    // The report goes into the next block; its slot is the one that block belongs to.
    const slot = ((best + 1n) / reportSlot) * reportSlot
    if (this.lastSlot === slot) return { submitted: false, slot, reason: 'already reported in this slot', missed: false }
    // The slot's first block is not built yet, so its hash is unknown: report from the next head on.
    if (slot > best) return { submitted: false, slot, reason: 'waiting for the slot block', missed: false }
    // What the chain holds decides what the last report did, not what this process heard of it.
    const onChain = await this.chainReport()
    const settled = await this.sworker.reporter.reconcile(onChain)
    if (settled === 'landed') this.log.info({ slot: onChain?.slot.toString() }, 'the last work report had landed; recorded now')
    if (onChain !== undefined && onChain.slot >= slot) {
      this.lastSlot = slot
      return { submitted: false, slot, reason: 'already reported in this slot', missed: false }
    }
    const slotHash = (await api.rpc.chain.getBlockHash(slot)).toU8a()
    const report = this.sworker.reporter.buildWorkReport({ slot, slotHash })
    const args = report.args.map((a) => (a instanceof Uint8Array ? hex(a) : Array.isArray(a) ? a.map(([c, s, b]) => [hex(c), s, b]) : a))
    try {
      await submit(api, (api.tx.swork.reportWorks as unknown as (...x: unknown[]) => SubmittableExtrinsic<'promise'>)(...args), account)
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      // Refused at dispatch, it surely did not land: another try in this slot may. Any other failure
      // (a lost connection, a timeout) may still land: one report per slot, settled at the next.
      if ((err as { meta?: { error?: unknown } }).meta?.error === undefined) this.lastSlot = slot
      this.log.warn({ slot: slot.toString(), reason }, 'work report missed')
      return { submitted: false, slot, reason, missed: true }
    }
    await this.sworker.reporter.commitReport()
    this.lastSlot = slot
    const outcome = { submitted: true as const, slot, added: report.fields.added_files.length, deleted: report.fields.deleted_files.length }
    this.log.info({ slot: slot.toString(), added: outcome.added, deleted: outcome.deleted }, 'work report accepted')
    return outcome
  }
}
