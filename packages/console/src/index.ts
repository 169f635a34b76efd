/**
 * @packageDocumentation
 * The crust-ts web console: a Preact page (chain, files, storage nodes) served as static files,
 * talking to the chain's JSON-RPC and the W3Auth gateway from the browser.
 *
 * @example
 * ```ts
 * import { ConsoleServer } from '@crust-ts/console'
 *
 * const server = new ConsoleServer({ port: 3001, config: () => ({ chainRpc: 'ws://127.0.0.1:9944', devAccounts: true }) })
 * const { url } = await server.start()
 * ```
 */
export { type ConsoleConfig, consoleOrigins, DEFAULT_CONSOLE_PORT, type StorageNodeLink } from './config.js'
export { ConsoleServer, type ConsoleServerInit, WEB_ROOT } from './server.js'
