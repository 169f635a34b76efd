/**
 * The heavy part, loaded on demand: @polkadot/api (decoding, queries, transactions) and the
 * accounts that sign (dev accounts from their well-known seeds, or an injected wallet such as the
 * polkadot{.js} extension). Nothing here is on the first page's critical path.
 */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import type { ISubmittableResult } from '@polkadot/types/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { stringToU8a, u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'

export type { ApiPromise }
export type Tx = SubmittableExtrinsic<'promise'>

const SS58_FORMAT = 66
const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']

/** One account the console can sign with. */
export interface Account {
  address: string
  name: string
}

/** Where accounts come from and how they sign. */
export interface Wallet {
  kind: 'dev' | 'extension'
  accounts: Account[]
  /** Signs and sends `tx` from `address` with `nonce`; `onStatus` follows it. */
  signAndSend(tx: Tx, address: string, nonce: number, onStatus: (result: TxResult) => void): Promise<() => void>
  /** W3Auth token (the base64 part of `Basic <token>`): the account's signature of its own address. */
  w3authToken(address: string): Promise<string>
}

type TxResult = ISubmittableResult

let apiPromise: Promise<ApiPromise> | undefined

/** One ApiPromise per page; rejects with a readable error when the node cannot be reached. */
export function connectApi(url: string): Promise<ApiPromise> {
  apiPromise ??= (async () => {
    const provider = new WsProvider(url, false)
    try {
      await provider.connect()
      return await ApiPromise.create({ provider: provider as never, noInitWarn: true, throwOnConnect: true })
    } catch (err) {
      apiPromise = undefined
      await provider.disconnect().catch(() => {})
      throw new Error(`cannot reach the chain node at ${url}: is it running? (${(err as Error).message ?? err})`)
    }
  })()
  return apiPromise
}

/** The dev accounts (//Alice ... //Ferdie): well-known keys of a dev network, never of a real one. */
export async function devWallet(): Promise<Wallet> {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_FORMAT })
  const pairs = new Map<string, KeyringPair>()
  for (const name of DEV_NAMES) {
    const pair = keyring.addFromUri(`//${name}`, { name })
    pairs.set(pair.address, pair)
  }
  const pairOf = (address: string) => {
    const pair = pairs.get(address)
    if (pair === undefined) throw new Error(`${address} is not a dev account`)
    return pair
  }
  return {
    kind: 'dev',
    accounts: [...pairs.values()].map((p) => ({ address: p.address, name: String(p.meta.name) })),
    signAndSend: (tx, address, nonce, onStatus) => tx.signAndSend(pairOf(address), { nonce }, onStatus),
    w3authToken: async (address) => btoa(`sub-${address}:${u8aToHex(pairOf(address).sign(stringToU8a(address)))}`),
  }
}

interface InjectedExtension {
  accounts: { get(): Promise<Array<{ address: string; name?: string }>> }
  signer: {
    signRaw?(payload: { address: string; data: string; type: 'bytes' }): Promise<{ signature: string }>
  } & Record<string, unknown>
}

declare global {
  interface Window {
    injectedWeb3?: Record<string, { enable(origin: string): Promise<InjectedExtension> }>
  }
}

/** Whether a wallet extension has injected itself into the page. */
export function hasInjectedWallet(): boolean {
  return Object.keys(window.injectedWeb3 ?? {}).length > 0
}

/** The first injected wallet, enabled for this page (the extension asks the user). */
export async function extensionWallet(): Promise<Wallet> {
  const entries = Object.entries(window.injectedWeb3 ?? {})
  if (entries.length === 0) throw new Error('no wallet extension found')
  const [, provider] = entries[0]!
  const injected = await provider.enable('crust-ts console')
  const { encodeAddress, decodeAddress } = await import('@polkadot/util-crypto')
  const accounts = (await injected.accounts.get()).map((a) => ({ address: encodeAddress(decodeAddress(a.address), SS58_FORMAT), name: a.name ?? 'account' }))
  if (accounts.length === 0) throw new Error('the wallet has no account for this page: add or allow one in the extension')
  return {
    kind: 'extension',
    accounts,
    signAndSend: (tx, address, nonce, onStatus) => tx.signAndSend(address, { signer: injected.signer as never, nonce }, onStatus),
    w3authToken: async (address) => {
      if (injected.signer.signRaw === undefined) throw new Error('this wallet cannot sign messages')
      // The extension wraps the bytes in <Bytes>…</Bytes>; W3Auth verifiers accept both forms.
      const { signature } = await injected.signer.signRaw({ address, data: u8aToHex(stringToU8a(address)), type: 'bytes' })
      return btoa(`sub-${address}:${signature}`)
    },
  }
}

/** Readable reasons for a dispatch failure or a pool refusal. */
function explain(api: ApiPromise, error: unknown): string {
  const e = error as { isModule?: boolean; asModule?: unknown; toString(): string; message?: string }
  if (e.isModule === true) {
    const meta = api.registry.findMetaError(e.asModule as never)
    if (meta.method === 'InsufficientBalance' || (meta.section === 'market' && meta.method === 'InsufficientCurrency'))
      return 'balance too low: this account cannot pay that much; fund it (e.g. a transfer from //Alice) and try again'
    if (meta.section === 'market' && meta.method === 'FileNotExist')
      return 'this file has no storage order on chain (it was never ordered, or it expired and was closed): order it first'
    return `${meta.section}.${meta.method}: ${meta.docs.join(' ')}`
  }
  const message = e.message ?? e.toString()
  if (/1010|Inability to pay|Payment/i.test(message)) return 'balance too low: this account cannot pay the transaction fee; fund it and try again'
  return message
}

/** Signs and sends; resolves with the block that holds it once it succeeded, rejects with a readable reason. */
export function send(
  api: ApiPromise,
  wallet: Wallet,
  tx: Tx,
  address: string,
  onInfo: (text: string) => void = () => {},
): Promise<{ blockHash: string; blockNumber: number }> {
  return new Promise((resolve, reject) => {
    let unsub: (() => void) | undefined
    const done = () => unsub?.()
    // The node's pool-aware next nonce: @polkadot/api's own choice, the AccountNonceApi runtime call,
    // is the nonce in the best block's state, so a transaction sent while the account's previous
    // one is still in the pool took its nonce and was refused ("1014: Priority is too low").
    api.rpc.system
      .accountNextIndex(address)
      .then((next) =>
        wallet.signAndSend(tx, address, next.toNumber(), (result) => {
          const { status, dispatchError } = result
          if (status.isReady) onInfo('in the transaction pool')
          // A node may report a transaction first as Finalized (its InBlock already passed, e.g. while
          // the page reconnected): either names the block that holds it.
          if (status.isInBlock || status.isFinalized) {
            done()
            if (dispatchError !== undefined) {
              reject(new Error(explain(api, dispatchError)))
              return
            }
            const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex()
            api.rpc.chain.getHeader(blockHash).then(
              (h) => resolve({ blockHash, blockNumber: h.number.toNumber() }),
              (err: unknown) => reject(err),
            )
          } else if (status.isInvalid || status.isDropped || status.isUsurped) {
            done()
            reject(new Error(`the transaction was ${status.type.toLowerCase()}`))
          }
        }),
      )
      .then(
        (u) => {
          unsub = u
        },
        (err: unknown) => reject(new Error(explain(api, err))),
      )
  })
}

/** What an account can spend now: free minus frozen (bonded or locked) plancks. */
export async function usableBalance(api: ApiPromise, address: string): Promise<bigint> {
  const { data } = (await api.query.system!.account!(address)) as unknown as { data: { free: { toBigInt(): bigint }; frozen?: { toBigInt(): bigint } } }
  const usable = data.free.toBigInt() - (data.frozen?.toBigInt() ?? 0n)
  return usable > 0n ? usable : 0n
}

/** Free balance of an account, live; returns the unsubscribe function. */
export async function watchBalance(api: ApiPromise, address: string, onFree: (free: bigint) => void): Promise<() => void> {
  return (await api.query.system!.account!(address, (info: { data: { free: { toBigInt(): bigint } } }) =>
    onFree(info.data.free.toBigInt()),
  )) as unknown as () => void
}

export { decodeAddress } from '@polkadot/util-crypto'
