/** {@link ChainClient} over a connected `ApiPromise` (owned by the caller) and the node's key pair; submissions go through the SDK. */
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { decodeAddress, encodeAddress } from '@polkadot/keyring'
import { u8aToString } from '@polkadot/util'
import { submit, TxDispatchError, TxRejectedError } from '@crust-ts/sdk'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'
import type { BlockEvents, ChainClient, ChainGroup, MarketEvent, OnChainFile, SettleOutcome } from './interface.js'

const DEFAULT_SS58 = 66
/** Pool errors that mean "send again with a fresh nonce". */
const RETRYABLE_POOL_ERROR = /^(1010|1014)\b|Priority is too low|outdated|AncientBirthBlock|Stale/i

/** The part of a SCALE codec value this client uses. */
interface Codec {
  toU8a(isBare?: boolean): Uint8Array
  toJSON(): unknown
}

interface FileJson {
  fileSize: number | string
  expiredAt: number
  reportedReplicaCount: number
  replicas: Record<string, unknown>
}

function bytesText(value: Codec): string {
  return u8aToString(value.toU8a(true))
}

export class PolkadotChainClient implements ChainClient {
  private readonly ss58: number

  constructor(
    private readonly api: ApiPromise,
    private readonly account: KeyringPair,
  ) {
    const chainSs58 = api.registry.chainSS58
    this.ss58 = chainSs58 === undefined ? DEFAULT_SS58 : chainSs58
  }

  async subscribeHeads(onHead: (number: number) => void): Promise<() => void> {
    return this.api.rpc.chain.subscribeNewHeads((header) => onHead(header.number.toNumber()))
  }

  async head(): Promise<{ number: number; hash: string }> {
    const header = await this.api.rpc.chain.getHeader()
    return { number: header.number.toNumber(), hash: header.hash.toHex() }
  }

  async blockHash(number: number): Promise<string | undefined> {
    const hash = await this.api.rpc.chain.getBlockHash(number)
    return hash.isEmpty ? undefined : hash.toHex()
  }

  async blockEvents(number: number): Promise<BlockEvents> {
    const hash = (await this.api.rpc.chain.getBlockHash(number)).toHex()
    const at = await this.api.at(hash)
    const records = (await at.query.system!.events!()) as unknown as Array<{ event: { section: string; method: string; data: Codec[] } }>
    const events: MarketEvent[] = []
    for (const { event } of records) {
      if (event.section !== 'market') continue
      const d = event.data
      switch (event.method) {
        case 'FileSuccess':
          events.push({ kind: 'ordered', cid: bytesText(d[1]!) })
          break
        case 'RenewFileSuccess':
          events.push({ kind: 'renewed', cid: bytesText(d[1]!) })
          break
        case 'CalculateSuccess':
          events.push({ kind: 'calculated', cid: bytesText(d[0]!) })
          break
        case 'FileClosed':
          events.push({ kind: 'closed', cid: bytesText(d[0]!), reason: 'fileClosed' })
          break
        case 'IllegalFileClosed':
          events.push({ kind: 'closed', cid: bytesText(d[0]!), reason: 'illegalFileClosed' })
          break
        default:
          break
      }
    }
    return { number, hash, events }
  }

  async file(cid: string, at?: string): Promise<OnChainFile | undefined> {
    const query = at === undefined ? this.api.query : (await this.api.at(at)).query
    return this.decodeFile(cid, await query.market!.filesV2!(cid))
  }

  async files(cids: string[]): Promise<Array<OnChainFile | undefined>> {
    if (cids.length === 0) return []
    const values = (await this.api.query.market!.filesV2!.multi(cids)) as Codec[]
    return values.map((v, i) => this.decodeFile(cids[i]!, v))
  }

  async *scanFiles(pageSize: number, at: string): AsyncGenerator<OnChainFile[]> {
    const entry = (await this.api.at(at)).query.market!.filesV2!
    let startKey: string | undefined
    for (;;) {
      const page = await entry.entriesPaged({ args: [], pageSize, ...(startKey === undefined ? {} : { startKey }) })
      if (page.length === 0) return
      const files: OnChainFile[] = []
      for (const [key, value] of page) {
        const file = this.decodeFile(bytesText(key.args[0]!), value)
        if (file !== undefined) files.push(file)
      }
      yield files
      if (page.length < pageSize) return
      startKey = page[page.length - 1]![0].toHex()
    }
  }

  async group(account: string): Promise<ChainGroup | undefined> {
    const identity = (await this.api.query.swork!.identities!(account)).toJSON() as { group?: string | null } | null
    if (identity === null || identity.group === undefined || identity.group === null) return undefined
    const owner = this.address(identity.group)
    const group = (await this.api.query.swork!.groups!(owner)).toJSON() as { members?: string[] } | null
    const members = (group?.members ?? []).map((m) => this.address(m)).sort()
    return { owner, members }
  }

  async calculateReward(cid: string): Promise<SettleOutcome> {
    // One submission: the settler resubmits on a nonce clash (its own attempts and delays).
    try {
      await submit(this.api, this.api.tx.market!.calculateReward!(cid), this.account, { nonceRetries: 0 })
      return { ok: true }
    } catch (e) {
      if (e instanceof TxDispatchError) return { ok: false, error: e.error }
      if (e instanceof TxRejectedError && e.status !== undefined) {
        throw new SmanagerError(SmanagerErrorCode.SETTLE_FAILED, `calculateReward ${e.status}`, { cid, retryable: true }, { cause: e })
      }
      const message = e instanceof TxRejectedError ? e.reason : e instanceof Error ? e.message : String(e)
      throw new SmanagerError(
        SmanagerErrorCode.SETTLE_FAILED,
        `calculateReward refused: ${message}`,
        { cid, retryable: RETRYABLE_POOL_ERROR.test(message) },
        { cause: e },
      )
    }
  }

  private address(value: string): string {
    return encodeAddress(decodeAddress(value), this.ss58)
  }

  private decodeFile(cid: string, value: Codec): OnChainFile | undefined {
    const json = value.toJSON() as FileJson | null
    if (json === null || json === undefined) return undefined
    return {
      cid,
      size: Number(json.fileSize),
      expiredAt: Number(json.expiredAt),
      replicas: Number(json.reportedReplicaCount),
      holders: Object.keys(json.replicas ?? {}).map((a) => this.address(a)),
    }
  }
}
