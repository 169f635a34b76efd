/**
 * Runs a whole sWorker: the enclave and stores in a data folder, its HTTP API, registration on the
 * chain, and a work report every report slot (checked on each new head), with periodic integrity
 * checks. `crust sworker` calls this; the storage node (later) runs the same inside `crust node`.
 */
import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectChain, createKuboClient } from '@crust-ts/sdk'
import { apiTokenFile, loadOrCreateApiToken, SworkerApi } from '../api/index.js'
import { type ReportOutcome, SworkerChainAgent } from '../chain/index.js'
import { devAttestationAuthority } from '../enclave/index.js'
import { kuboBlockSource } from '../seal/index.js'
import { Sworker } from '../node/index.js'
import { INTEGRITY_CHECK_SAMPLE_BLOCKS, resolveRunSworkerConfig, type RunSworkerInit, SWORKER_SS58_FORMAT } from './options.js'

export interface RunningSworker {
  sworker: Sworker
  api: { host: string; port: number }
  /** The API token's file (mode 0600): what the sManager and `crust sworker srd` read. */
  apiTokenFile: string
  /** The last report the node sent: accepted, or missed and why; undefined before the first. */
  lastReport(): ReportOutcome | undefined
  stop(): Promise<void>
}

export async function runSworker(runInit: RunSworkerInit): Promise<RunningSworker> {
  const init = resolveRunSworkerConfig(runInit)
  await cryptoWaitReady()
  const log = init.logger.forComponent('sworker')
  const sworker = await Sworker.open({
    dataDir: init.dataDir,
    authority: devAttestationAuthority(),
    logger: init.logger,
    ...(init.srdUnitSize === undefined ? {} : { srdUnitSize: init.srdUnitSize }),
  })
  if (init.account === undefined && init.accountUri === undefined) throw new TypeError('runSworker: give account or accountUri')
  const account = init.account ?? new Keyring({ type: 'sr25519', ss58Format: SWORKER_SS58_FORMAT }).addFromUri(init.accountUri ?? '')
  let api: ApiPromise | undefined
  let agent: SworkerChainAgent
  let status: Awaited<ReturnType<SworkerChainAgent['ensureRegistered']>>
  try {
    if (init.api !== undefined) api = init.api
    // connectChain lets go of its provider when no node answers (a bare ApiPromise.create kept reconnecting).
    else api = await connectChain(init.chainRpc)
    agent = new SworkerChainAgent(sworker, { api, account, logger: init.logger })
    status = await agent.ensureRegistered()
  } catch (err) {
    if (init.api === undefined) await api?.disconnect().catch(() => {})
    await sworker.close()
    throw err
  }
  log.info({ account: account.address, identity: status }, 'enclave identity on chain')
  const srd = sworker.srd
  const haveUnits = Number(srd.size() / BigInt(srd.unitSize))
  if (init.srdUnits !== undefined && init.srdUnits > haveUnits) {
    // The operator's own figure: grown to what the disk holds above the reserve, with a warning, rather than not starting.
    const room = await srd.room()
    const add = Math.min(init.srdUnits - haveUnits, room.maxUnits)
    if (add < init.srdUnits - haveUnits)
      log.warn({ want: init.srdUnits, have: haveUnits, ...room }, 'not enough free disk for the SRD units asked for: declaring what fits')
    log.info({ have: haveUnits, want: init.srdUnits, adding: add, unitSize: srd.unitSize }, 'declaring spare room (SRD)')
    if (add > 0) await srd.change(add)
  }
  const ipfs = createKuboClient({ url: init.ipfsApi })
  const token = loadOrCreateApiToken(init.dataDir)
  const httpApi = new SworkerApi(sworker, {
    token,
    blockSource: init.blockSource ?? kuboBlockSource(ipfs),
    dataDir: init.dataDir,
    currentBlock: async () => (await api.rpc.chain.getHeader()).number.toNumber(),
    logger: init.logger,
    ...(init.apiHost === undefined ? {} : { host: init.apiHost }),
    ...(init.apiPort === undefined ? {} : { port: init.apiPort }),
  })
  const address = await httpApi.start()
  // One report per slot: tried on every new head until the slot's report is accepted.
  let reporting: Promise<void> | undefined
  let lastReport: ReportOutcome | undefined
  let stopping = false
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(() => {
    if (reporting !== undefined || stopping) return
    reporting = agent
      .reportOnce()
      .then(
        (outcome) => {
          // A report not due yet says nothing new: keep the last one sent or missed.
          if (outcome.submitted || outcome.missed) lastReport = outcome
        },
        (err: unknown) => log.warn({ err }, 'work report failed'),
      )
      .finally(() => {
        reporting = undefined
      })
  })
  const checkTimer = setInterval(() => {
    sworker.checker.runIntegrityCheck(INTEGRITY_CHECK_SAMPLE_BLOCKS).then(
      (r) => (r.lostFiles.length > 0 || r.droppedUnits.length > 0 ? log.warn(r, 'integrity check found damage') : log.debug(r, 'integrity check')),
      (err: unknown) => log.warn({ err }, 'integrity check failed'),
    )
  }, init.checkIntervalMs)
  checkTimer.unref()
  return {
    sworker,
    api: address,
    apiTokenFile: apiTokenFile(init.dataDir),
    lastReport: () => lastReport,
    async stop() {
      stopping = true
      clearInterval(checkTimer)
      unsubscribe()
      // A report in flight finishes (and records what it reported) before the store closes.
      await reporting
      await httpApi.stop()
      if (init.api === undefined) await api.disconnect()
      await sworker.close()
    },
  }
}
