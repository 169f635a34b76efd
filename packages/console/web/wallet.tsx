/**
 * Which accounts sign: the dev accounts in dev mode, otherwise an injected wallet the user
 * connects. Without either, the page says how to get one.
 */
import { useEffect, useState } from 'preact/hooks'
import type { ConsoleConfig } from '../src/config.js'
import { DEV_ACCOUNTS } from '../src/dev-accounts.js'
import { polkadot } from './lazy.js'
import type { Account, Wallet } from './polkadot.js'

export interface WalletState {
  wallet?: Wallet
  account?: Account
  /** Why there is no wallet, in words that say what to do. */
  problem?: string
  /** An extension is present but not connected yet. */
  canConnect: boolean
  connect(): void
  select(address: string): void
}

export const NO_WALLET_HELP =
  'No wallet found. Install the polkadot{.js} extension (or another Substrate wallet such as Talisman or SubWallet), create or import an account, allow this page in it, then reload. On a dev network, `crust dev` serves this console with its dev accounts.'

const injected = () => Object.keys((window as { injectedWeb3?: object }).injectedWeb3 ?? {}).length > 0

/**
 * The dev accounts, listed at once from their well-known addresses; their keys are derived (in the
 * @polkadot chunk, with its WASM crypto) when one first signs.
 */
function devAccounts(): Wallet {
  let keys: Promise<Wallet> | undefined
  const signer = () => {
    keys ??= polkadot().then((p) => p.devWallet())
    return keys
  }
  return {
    kind: 'dev',
    accounts: DEV_ACCOUNTS.map((a) => ({ ...a })),
    signAndSend: async (tx, address, nonce, onStatus) => (await signer()).signAndSend(tx, address, nonce, onStatus),
    w3authToken: async (address) => (await signer()).w3authToken(address),
  }
}

export function useWallet(config: ConsoleConfig): WalletState {
  const [wallet, setWallet] = useState<Wallet | undefined>()
  const [address, setAddress] = useState<string | undefined>()
  const [problem, setProblem] = useState<string | undefined>()
  const [canConnect, setCanConnect] = useState(false)
  const use = (w: Wallet) => {
    setWallet(w)
    setAddress(w.accounts[0]?.address)
    setProblem(undefined)
  }
  useEffect(() => {
    if (config.devAccounts) {
      use(devAccounts())
      // Fetched now, so the first signature does not wait for it.
      polkadot().catch((err: Error) => setProblem(`The dev accounts could not load: ${err.message}`))
    } else if (injected()) setCanConnect(true)
    else setProblem(NO_WALLET_HELP)
  }, [config.devAccounts])
  const connect = () => {
    polkadot()
      .then((p) => p.extensionWallet())
      .then(use, (err: Error) => setProblem(`The wallet did not connect: ${err.message}`))
  }
  const account = wallet?.accounts.find((a) => a.address === address)
  return {
    ...(wallet === undefined ? {} : { wallet }),
    ...(account === undefined ? {} : { account }),
    ...(problem === undefined ? {} : { problem }),
    canConnect: canConnect && wallet === undefined,
    connect,
    select: setAddress,
  }
}

export function WalletBar({ wallet }: { wallet: WalletState }) {
  if (wallet.wallet !== undefined) {
    return (
      <div class="account">
        <label>
          <span class="note">{wallet.wallet.kind === 'dev' ? 'Dev account' : 'Wallet account'}</span>
          <select data-testid="account" value={wallet.account?.address} onChange={(e) => wallet.select((e.target as HTMLSelectElement).value)}>
            {wallet.wallet.accounts.map((a) => (
              <option key={a.address} value={a.address}>
                {a.name} ({a.address.slice(0, 6)}…)
              </option>
            ))}
          </select>
        </label>
      </div>
    )
  }
  return (
    <div class="account">
      {wallet.canConnect && (
        <button type="button" onClick={wallet.connect}>
          Connect wallet
        </button>
      )}
    </div>
  )
}

/** Shown where a page needs an account and has none. */
export function NeedAccount({ wallet, what }: { wallet: WalletState; what: string }) {
  if (wallet.account !== undefined) return null
  return (
    <p class="error" role="alert" data-testid="no-wallet">
      {wallet.problem ?? (wallet.canConnect ? `Connect your wallet (the button at the top) to ${what}.` : 'Loading the accounts…')}
    </p>
  )
}
