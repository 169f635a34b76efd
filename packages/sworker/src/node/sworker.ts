import path from 'node:path'
import { type ComponentLogger, silentLogger } from '@crust-ts/base'
import { IntegrityChecker } from '../check/index.js'
import type { Enclave } from '../enclave/interface.js'
import { SoftwareEnclave } from '../enclave/software-enclave.js'
import { Sealer, SegmentProver } from '../seal/index.js'
import { Srd } from '../srd/index.js'
import { WorkReporter } from '../report/index.js'
import { SealedStore } from '../store/index.js'
import { SEALED_STORE_DIR, SRD_DIR, type SworkerInit } from './options.js'

/**
 * The sWorker's parts wired over one data folder: software enclave → sealed store → sealer, SRD →
 * integrity checker, work reporter. Opening recovers from a crash (pending files and orphan SRD
 * units removed); `close` waits for pending writes.
 */
export class Sworker {
  readonly enclave: Enclave
  readonly store: SealedStore
  readonly sealer: Sealer
  /** Storage proofs (segments and Merkle paths) of sealed files. */
  readonly prover: SegmentProver
  readonly srd: Srd
  readonly checker: IntegrityChecker
  readonly reporter: WorkReporter

  private constructor(parts: { enclave: Enclave; store: SealedStore; sealer: Sealer; srd: Srd; logger: ComponentLogger }) {
    this.enclave = parts.enclave
    this.store = parts.store
    this.sealer = parts.sealer
    this.prover = new SegmentProver({ store: parts.store, sealer: parts.sealer })
    this.srd = parts.srd
    this.checker = new IntegrityChecker({ sealer: parts.sealer, srd: parts.srd, logger: parts.logger })
    this.reporter = new WorkReporter({ ...parts })
  }

  /** Opens (creating on first start) the sWorker in `init.dataDir`. */
  static async open(init: SworkerInit): Promise<Sworker> {
    const logger = init.logger ?? silentLogger
    const enclave = SoftwareEnclave.open({
      dataDir: init.dataDir,
      authority: init.authority,
      ...(init.code === undefined ? {} : { code: init.code }),
      ...(init.sealThreads === undefined ? {} : { sealThreads: init.sealThreads }),
    })
    const store = SealedStore.open(path.join(init.dataDir, SEALED_STORE_DIR))
    try {
      const sealer = await Sealer.open({ store, enclave, logger }, init.sealer ?? {})
      const srd = await Srd.open(
        { store, enclave, logger, ...(init.srdFreeSpace === undefined ? {} : { freeSpace: init.srdFreeSpace }) },
        {
          dir: path.join(init.dataDir, SRD_DIR),
          ...(init.srdUnitSize === undefined ? {} : { unitSize: init.srdUnitSize }),
          ...(init.srdReserveBytes === undefined ? {} : { reserveBytes: init.srdReserveBytes }),
        },
      )
      return new Sworker({ enclave, store, sealer, srd, logger })
    } catch (err) {
      await store.close()
      await enclave.close()
      throw err
    }
  }

  /** Closes the sealed store (after pending writes) and the enclave. */
  async close(): Promise<void> {
    await this.store.close()
    await this.enclave.close()
  }
}
