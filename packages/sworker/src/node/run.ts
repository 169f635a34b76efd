/**
 * Runs a whole sWorker: the enclave and stores in a data folder, its HTTP API, registration on the
 * chain, and a work report every report slot (checked on each new head), with periodic integrity
 * checks. `crust sworker` calls this; the storage node (later) runs the same inside `crust node`.
 */
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import type { ComponentLogger } from '@crust-ts/base'
import { createKuboClient } from '@crust-ts/sdk'
import { SworkerApi } from '../api/index.js'
import { SworkerChainAgent } from '../chain/index.js'
import { devAttestationAuthority } from '../enclave/index.js'
import { type BlockSource, kuboBlockSource } from '../seal/index.js'
import { Sworker } from './sworker.js'

export interface RunSworkerInit {
  dataDir: string
  chainRpc: string
  ipfsApi: string
  /** The node's account: a key pair (from a keystore), or a secret URI (`//Bob` in dev). */
  account?: KeyringPair
  accountUri?: string
  apiHost?: string
  apiPort?: number
  srdUnitSize?: number
  /** SRD units to have before the first work report (grown to this at start, never shrunk here). */
  srdUnits?: number
  /** Where sealing reads blocks; default the IPFS API (`block/get`). A node that runs IPFS in the same process passes its block store. */
  blockSource?: BlockSource
  /** Integrity check interval in milliseconds (default 60 s) and blocks sampled per check. */
  checkIntervalMs?: number
  logger: ComponentLogger
}

export interface RunningSworker {
  sworker: Sworker
  api: { host: string; port: number }
  stop(): Promise<void>
}

export async function runSworker(init: RunSworkerInit): Promise<RunningSworker> {
  await cryptoWaitReady()
  const log = init.logger.forComponent('sworker')
  const sworker = await Sworker.open({
    dataDir: init.dataDir,
    authority: devAttestationAuthority(),
    logger: init.logger,
    ...(init.srdUnitSize === undefined ? {} : { srdUnitSize: init.srdUnitSize }),
  })
  if (init.account === undefined && init.accountUri === undefined) throw new TypeError('runSworker: give account or accountUri')
  const account = init.account ?? new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri(init.accountUri ?? '')
  let api: ApiPromise | undefined
  let agent: SworkerChainAgent
  let status: Awaited<ReturnType<SworkerChainAgent['ensureRegistered']>>
  try {
    const provider = new WsProvider(init.chainRpc) as unknown as ApiOptions['provider']
    api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
    agent = new SworkerChainAgent(sworker, { api, account, logger: init.logger })
    status = await agent.ensureRegistered()
  } catch (err) {
    await api?.disconnect().catch(() => {})
    await sworker.close()
    throw err
  }
  log.info({ account: account.address, identity: status }, 'enclave identity on chain')
  const srd = sworker.srd
  const haveUnits = Number(srd.size() / BigInt(srd.unitSize))
  if (init.srdUnits !== undefined && init.srdUnits > haveUnits) {
    log.info({ have: haveUnits, want: init.srdUnits, unitSize: srd.unitSize }, 'declaring spare room (SRD)')
    await srd.change(init.srdUnits - haveUnits)
  }
  const ipfs = createKuboClient({ url: init.ipfsApi })
  const httpApi = new SworkerApi(sworker, {
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
  let stopping = false
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(() => {
    if (reporting !== undefined || stopping) return
    reporting = agent
      .reportOnce()
      .then(
        () => {},
        (err: unknown) => log.warn({ err }, 'work report failed'),
      )
      .finally(() => {
        reporting = undefined
      })
  })
  const checkTimer = setInterval(() => {
    sworker.checker.runIntegrityCheck(64).then(
      (r) => (r.lostFiles.length > 0 || r.droppedUnits.length > 0 ? log.warn(r, 'integrity check found damage') : log.debug(r, 'integrity check')),
      (err: unknown) => log.warn({ err }, 'integrity check failed'),
    )
  }, init.checkIntervalMs ?? 60_000)
  checkTimer.unref()
  return {
    sworker,
    api: address,
    async stop() {
      stopping = true
      clearInterval(checkTimer)
      unsubscribe()
      // A report in flight finishes (and records what it reported) before the store closes.
      await reporting
      await httpApi.stop()
      await api.disconnect()
      await sworker.close()
    },
  }
}
