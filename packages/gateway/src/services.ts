/** Both services wired together: W3Auth gateway, pinning service, order engine and pin store. */
import type { ComponentLogger } from '@crust-ts/base'
import type { ApiPromise } from '@polkadot/api'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectChain } from '@crust-ts/sdk'
import { createW3Auth } from './auth/index.js'
import { createW3AuthGateway, type W3AuthGateway, type W3AuthGatewayInit } from './gateway/index.js'
import { createOrderEngine, type OrderEngine, type OrderEngineInit } from './orders/index.js'
import { createPinningService, type PinningService, type PinningServiceInit } from './psa/index.js'
import { openEmbeddedPinStore, openPostgresPinStore, type PinStore } from './store/index.js'

export interface GatewayServicesInit {
  /** The node's Kubo RPC API, e.g. `http://127.0.0.1:5001`. */
  ipfsApi: string
  /** The node's read gateway, e.g. `http://127.0.0.1:8080` (served open under `/ipfs/*`). */
  ipfsGateway?: string
  /** Chain WebSocket RPC, e.g. `ws://127.0.0.1:9944`. */
  chainRpc: string
  /** The funded account paying for orders: a pair, or a secret URI/mnemonic (sr25519). */
  serviceAccount: KeyringPair | string
  /** Folder of the embedded pin store (used when `pgUrl` is not set). */
  dataDir?: string
  /** PostgreSQL connection URL: use PostgreSQL instead of the embedded store. */
  pgUrl?: string
  /** PostgreSQL schema (default: the server's search_path). */
  pgSchema?: string
  /** Listen address of both servers (default 127.0.0.1). */
  host?: string
  /** W3Auth gateway options (port default 5050); `false` to not run it. */
  gateway?: false | Partial<Omit<W3AuthGatewayInit, 'ipfsApi' | 'ipfsGateway' | 'logger' | 'auth' | 'usageStore'>>
  /** Pinning service options (port default 3000, basePath `/psa`). */
  psa?: Partial<Pick<PinningServiceInit, 'host' | 'port' | 'basePath' | 'delegates' | 'maxBodyBytes' | 'access' | 'limits' | 'origins'>>
  /** Order engine options (replica threshold default 3, renew margin, concurrency, retries, per-account limits ...). */
  orders?: Partial<Omit<OrderEngineInit, 'store' | 'api' | 'account' | 'ipfsApi' | 'logger'>>
  logger?: ComponentLogger
}

export interface GatewayServices {
  /** Undefined when `gateway: false`. */
  gateway: W3AuthGateway | undefined
  psa: PinningService
  engine: OrderEngine
  store: PinStore
  api: ApiPromise
  /** `http://host:port` of the gateway and `http://host:port/psa` of the pinning service. */
  urls: { gateway?: string; psa: string }
  /** Stops everything in reverse order (servers, engine, chain connection, store). */
  stop(): Promise<void>
}

/** Opens the store, connects to the chain, starts the order engine, the pinning service and the gateway. */
export async function startGatewayServices(init: GatewayServicesInit): Promise<GatewayServices> {
  if (init.pgUrl === undefined && init.dataDir === undefined) throw new TypeError('startGatewayServices needs dataDir or pgUrl')
  await cryptoWaitReady()
  const account =
    typeof init.serviceAccount === 'string' ? new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri(init.serviceAccount) : init.serviceAccount
  const stops: Array<() => Promise<void>> = []
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
  }
  try {
    const storeLogger = init.logger === undefined ? {} : { logger: init.logger }
    const store =
      init.pgUrl !== undefined
        ? await openPostgresPinStore({ url: init.pgUrl, ...(init.pgSchema === undefined ? {} : { schema: init.pgSchema }), ...storeLogger })
        : await openEmbeddedPinStore({ dataDir: init.dataDir!, ...storeLogger })
    stops.push(() => store.close())
    // connectChain fails with a readable SDK_ERROR_NO_CHAIN and lets go of its provider: a bare
    // ApiPromise.create rejected with an empty Event and kept reconnecting, so a gateway whose chain
    // node was down printed "cannot start the gateway: " and never exited (a chaos run's restart).
    const api = await connectChain(init.chainRpc)
    stops.push(() => api.disconnect())
    const logger = init.logger === undefined ? {} : { logger: init.logger }
    const engine = createOrderEngine({ ...init.orders, store, api, account, ipfsApi: init.ipfsApi, ...logger })
    await engine.start()
    stops.push(() => engine.stop())
    const auth = createW3Auth()
    const host = init.host === undefined ? {} : { host: init.host }
    const psa = createPinningService({ ...host, ...init.psa, store, orderEngine: engine, ipfsApi: init.ipfsApi, auth, ...logger })
    await psa.start()
    stops.push(() => psa.stop())
    let gateway: W3AuthGateway | undefined
    if (init.gateway !== false) {
      gateway = createW3AuthGateway({
        ...host,
        ...init.gateway,
        ipfsApi: init.ipfsApi,
        ...(init.ipfsGateway === undefined ? {} : { ipfsGateway: init.ipfsGateway }),
        auth,
        usageStore: store,
        ...logger,
      })
      await gateway.start()
      stops.push(() => gateway!.stop())
    }
    return {
      gateway,
      psa,
      engine,
      store,
      api,
      urls: { ...(gateway === undefined ? {} : { gateway: gateway.url }), psa: psa.url },
      stop: stopAll,
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
