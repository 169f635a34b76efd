/**
 * @packageDocumentation
 *
 * The crust-ts W3Auth gateway and IPFS Pinning Service API that places Crust storage orders,
 * compatible with Crust's public services (W3Auth tokens and error strings, `/psa` on 3000,
 * gateway on 5050, `requestid`).
 *
 * - `auth/`: W3Auth (`Authorization: Basic|Bearer base64("<chainType>-<address>:<signature>")`),
 *   substrate / ethereum / solana verifiers, `registerVerifier` for more.
 * - `gateway/`: `createW3AuthGateway`, `/api/v0/*` authenticated and streamed to the node's Kubo
 *   API, `/ipfs/*` open; per-account quota (bytes/day), token-bucket rate limit, size limit.
 * - `store/`: `PinStore`, embedded (node:sqlite, default) or PostgreSQL, versioned migrations.
 * - `dag/`: `fetchDag`, a DAG fetched block by block within a byte budget, its Tsizes checked.
 * - `psa/`: `createPinningService`, the IPFS Pinning Service API under `/psa`.
 * - `orders/`: `createOrderEngine`, one `market.placeStorageOrder` per CID from a service account.
 *
 * `startGatewayServices` runs them all. Its options ({@link GatewayServicesInit}):
 * - `ipfsApi` (required): the node's Kubo RPC API, e.g. `http://127.0.0.1:5001`;
 * - `ipfsGateway`: the node's read gateway, served open under the gateway's `/ipfs/*`;
 * - `chainRpc` (required): chain WebSocket RPC, e.g. `ws://127.0.0.1:9944`;
 * - `serviceAccount` (required): the funded account paying for orders, a KeyringPair or a secret
 *   URI / mnemonic (sr25519, e.g. `//Ferdie` on the dev chain);
 * - `dataDir` (embedded store folder, file `pins.sqlite`) or `pgUrl` (+ `pgSchema`) for PostgreSQL;
 * - `host`: listen address of both servers (default 127.0.0.1);
 * - `gateway`: `false`, or `{ port (5050), host, quotas: { uploadBytesPerDay (16 GiB) }, rateLimit:
 *   { requestsPerSecond, burst } (20/s, 100) or false, maxRequestBytes, maxPinBytes (8 GiB), pinFetchTimeoutMs }`;
 *   tenants run only the allowlisted Kubo commands (`TENANT_COMMANDS`) and see only their own pins;
 * - `psa`: `{ port (3000), host, basePath ('/psa'), delegates (default: the node's multiaddrs), maxBodyBytes,
 *   access ({ mode: 'open' } or { mode: 'allowlist', accounts }), limits: { pinsPerDay (1000), maxPendingPins (200) },
 *   origins: { dialPrivate (false: only public IPs are dialled), maxPerPin (4), perAccountPerMinute (20), maxInFlight (32) } }`;
 * - `orders`: `{ replicaThreshold (3), renewMarginBlocks (min(432000, FileDuration/4)), concurrency (32),
 *   pollIntervalMs, statusIntervalMs, maxAttempts (5), backoffBaseMs, backoffMaxMs, inclusionTimeoutMs,
 *   ipfsTimeoutMs (the per-pin fetch deadline, 10 min), tips, accountLimits: { concurrentFetches (4),
 *   bytesPerDay (32 GiB), plancksPerDay (10 CRU), maxPinBytes (8 GiB - 1) } }`;
 * - `logger`: a `ComponentLogger`.
 *
 * @example
 *
 * ```ts
 * import { startGatewayServices } from '@crust-ts/gateway'
 *
 * const services = await startGatewayServices({
 *   ipfsApi: 'http://127.0.0.1:5001',
 *   ipfsGateway: 'http://127.0.0.1:8080',
 *   chainRpc: 'ws://127.0.0.1:9944',
 *   serviceAccount: '//Ferdie',
 *   dataDir: './gateway-data',
 *   gateway: { port: 5050, quotas: { uploadBytesPerDay: 10 * 2 ** 30 } },
 *   psa: { port: 3000 },
 * })
 * console.info(services.urls) // { gateway: 'http://127.0.0.1:5050', psa: 'http://127.0.0.1:3000/psa' }
 * await services.stop()
 * ```
 */
export * from './auth/index.js'
export * from './dag/index.js'
export * from './gateway/index.js'
export * from './orders/index.js'
export * from './psa/index.js'
export { type GatewayServices, type GatewayServicesInit, startGatewayServices } from './services.js'
export * from './store/index.js'
