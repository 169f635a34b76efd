/** The console's shell: config, the chain connection, the wallet, and hash routes to the pages. */
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { ConsoleConfig } from '../src/config.js'
import { ChainPage } from './pages/chain.js'
import { FilesPage } from './pages/files.js'
import { NodesPage } from './pages/nodes.js'
import { StakingPage } from './pages/staking.js'
import { RpcClient } from './rpc.js'
import { type WalletState, WalletBar, useWallet } from './wallet.js'

const ROUTES = [
  { hash: '#/chain', label: 'Chain' },
  { hash: '#/files', label: 'Files' },
  { hash: '#/nodes', label: 'Nodes' },
  { hash: '#/staking', label: 'Staking' },
] as const

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/chain')
  useEffect(() => {
    const on = () => setHash(location.hash || '#/chain')
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return hash
}

export interface PageProps {
  config: ConsoleConfig
  rpc: RpcClient
  wallet: WalletState
}

function App({ config }: { config: ConsoleConfig }) {
  const hash = useHash()
  const [rpc, setRpc] = useState<RpcClient | undefined>()
  const [rpcError, setRpcError] = useState<string | undefined>()
  const wallet = useWallet(config)
  useEffect(() => {
    let client: RpcClient | undefined
    RpcClient.connect(config.chainRpc).then(
      (c) => {
        client = c
        c.onClose((err) => setRpcError(`${err.message}. Is the node still running? Reload the page once it is back.`))
        setRpc(c)
      },
      (err: Error) => setRpcError(`${err.message}. Start it (crust dev, or crust node) and reload this page.`),
    )
    return () => client?.close()
  }, [config.chainRpc])
  const route = ROUTES.find((r) => r.hash === hash) ?? ROUTES[0]
  return (
    <>
      <header>
        <h1>crust-ts console{config.network === undefined ? '' : ` · ${config.network}`}</h1>
        <nav aria-label="Pages">
          {ROUTES.map((r) => (
            <a key={r.hash} href={r.hash} aria-current={r === route ? 'page' : undefined}>
              {r.label}
            </a>
          ))}
        </nav>
        <WalletBar wallet={wallet} />
      </header>
      <main>
        {rpcError !== undefined && (
          <p class="error" role="alert" data-testid="rpc-error">
            {rpcError}
          </p>
        )}
        {rpc === undefined ? (
          rpcError === undefined && <p class="note">Connecting to {config.chainRpc}…</p>
        ) : route.hash === '#/files' ? (
          <FilesPage config={config} rpc={rpc} wallet={wallet} />
        ) : route.hash === '#/nodes' ? (
          <NodesPage config={config} rpc={rpc} wallet={wallet} />
        ) : route.hash === '#/staking' ? (
          <StakingPage config={config} rpc={rpc} wallet={wallet} />
        ) : (
          <ChainPage config={config} rpc={rpc} wallet={wallet} />
        )}
      </main>
    </>
  )
}

async function main(): Promise<void> {
  const root = document.getElementById('app')!
  const res = await fetch('/config.json', { cache: 'no-store' })
  if (!res.ok) {
    render(<p class="error">The network is still starting; reload this page in a moment.</p>, root)
    return
  }
  const config = (await res.json()) as ConsoleConfig
  root.textContent = ''
  render(<App config={config} />, root)
}

main().catch((err: unknown) => {
  document.getElementById('app')!.textContent = `The console could not start: ${(err as Error).message}`
})
