/** `crust gateway`: the W3Auth gateway and the pinning service against a node's IPFS API and a chain RPC. */
import { resolve } from 'node:path'
import { createLogger, redactUrl } from '@crust-ts/base'
import { loadSigner } from '@crust-ts/sdk'
import { CliError } from '../errors.js'
import { startConsole } from './console.js'
import { type GatewayLimitFlags, withGatewayLimits } from './gateway-limits.js'
import { secretFromFlags } from './secret-file.js'

export interface GatewayCommandOptions {
  ipfsApi: string
  ipfsGateway: string
  chain: string
  account?: string
  accountFile?: string
  keystore?: string
  passwordFile?: string
  data: string
  pgUrl?: string
  pgUrlFile?: string
  host: string
  port: number
  psaPort: number
  replicas: number
  quota?: number
  rate?: number
  maxRequestBytes?: number
  /** Serve the web console on this port (uploads through this gateway, chain from --chain). */
  consolePort?: number
}

export async function runGatewayCommand(opts: GatewayCommandOptions & GatewayLimitFlags): Promise<void> {
  const { startGatewayServices } = await import('@crust-ts/gateway')
  const account = secretFromFlags(opts.account, opts.accountFile, '--account')
  const pgUrl = secretFromFlags(opts.pgUrl, opts.pgUrlFile, '--pg-url')
  if (account === undefined && opts.keystore === undefined) {
    throw new CliError(
      'CLI_ERROR_NO_ACCOUNT',
      'the service account pays for orders: give --account-file <file>, --keystore <file> --password-file <file>, or --account <secret URI>',
    )
  }
  if (account !== undefined && opts.keystore !== undefined) throw new CliError('CLI_ERROR_ACCOUNT', 'give either --account(-file) or --keystore, not both')
  const serviceAccount = await loadSigner({
    ...(account === undefined ? {} : { suri: account }),
    ...(opts.keystore === undefined ? {} : { keystore: opts.keystore }),
    ...(opts.passwordFile === undefined ? {} : { passwordFile: opts.passwordFile }),
  })
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const services = await startGatewayServices(
    withGatewayLimits(opts, {
      ipfsApi: opts.ipfsApi,
      ipfsGateway: opts.ipfsGateway,
      chainRpc: opts.chain,
      serviceAccount,
      ...(pgUrl === undefined ? { dataDir: resolve(opts.data) } : { pgUrl }),
      host: opts.host,
      gateway: {
        port: opts.port,
        ...(opts.quota === undefined ? {} : { quotas: { uploadBytesPerDay: opts.quota } }),
        ...(opts.rate === undefined ? {} : { rateLimit: { requestsPerSecond: opts.rate } }),
        ...(opts.maxRequestBytes === undefined ? {} : { maxRequestBytes: opts.maxRequestBytes }),
      },
      psa: { port: opts.psaPort },
      orders: { replicaThreshold: opts.replicas },
      logger,
    }),
  ).catch((err: unknown) => {
    throw new CliError('CLI_ERROR_GATEWAY', `cannot start the gateway: ${redactUrl((err as Error).message)}`)
  })
  const log = logger.forComponent('cli')
  const web =
    opts.consolePort === undefined
      ? undefined
      : await startConsole(opts.consolePort, () => ({
          chainRpc: opts.chain,
          devAccounts: false,
          ...(services.urls.gateway === undefined ? {} : { gateway: services.urls.gateway, ipfsGateway: services.urls.gateway }),
        }))
  if (web !== undefined) log.info({ console: web.url }, 'web console served (the chain node must admit its origin: --rpc-cors)')
  log.info({ gateway: services.urls.gateway, psa: services.urls.psa, serviceAccount: serviceAccount.address }, 'W3Auth gateway and pinning service running')
  process.send?.({ type: 'ready', endpoints: { ...services.urls, serviceAccount: serviceAccount.address } })
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down')
      ;(web?.stop() ?? Promise.resolve()).then(() => services.stop()).then(done, done)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
}
