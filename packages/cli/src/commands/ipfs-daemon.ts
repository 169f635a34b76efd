import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createLogger } from '@crust-ts/base'
import { startIpfsDaemon } from '@crust-ts/ipfs'
import { ChainProviderHints } from '@crust-ts/node'
import { connectChain } from '@crust-ts/sdk'

export interface IpfsDaemonOptions {
  repo?: string
  apiPort: number
  gatewayPort: number
  swarmPort: number
  bootstrap?: string[]
  dht: boolean
  fetchTimeout: number
  /** A chain node's RPC: fetch from the holders the chain names for a CID first. */
  chain?: string
}

/** `crust ipfs daemon`: runs the IPFS node, its API and gateway until SIGINT/SIGTERM. */
export async function runIpfsDaemon(opts: IpfsDaemonOptions): Promise<void> {
  const repoPath = resolve(opts.repo ?? join(homedir(), '.crust-ts', 'ipfs'))
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const log = logger.forComponent('ipfs:daemon')
  const hints = new ChainProviderHints(logger.forComponent('ipfs:hints'))
  const api = opts.chain === undefined ? undefined : await connectChain(opts.chain)
  const daemon = await startIpfsDaemon({
    repoPath,
    apiPort: opts.apiPort,
    gatewayPort: opts.gatewayPort,
    swarmPort: opts.swarmPort,
    dht: opts.dht,
    fetchTimeoutMs: opts.fetchTimeout,
    ...(opts.bootstrap === undefined ? {} : { bootstrap: opts.bootstrap }),
    ...(api === undefined ? {} : { providerHints: hints }),
    logger,
  })
  if (api !== undefined) {
    const chainType = (await api.rpc.system.chainType()).toString()
    hints.attach(api, { allowPrivate: chainType === 'Development' || chainType === 'Local', self: daemon.peerId })
  }
  log.info(
    { repo: repoPath, peerId: daemon.peerId, multiaddrs: daemon.multiaddrs, apiPort: daemon.api.port, gatewayPort: daemon.gateway.port },
    'IPFS daemon ready',
  )
  if (process.stdout.isTTY === true) {
    process.stdout.write(
      `\n  API server listening on http://${daemon.api.host}:${daemon.api.port}\n  Gateway server listening on http://${daemon.gateway.host}:${daemon.gateway.port}\n  Peer id ${daemon.peerId}\n\n`,
    )
  }
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down')
      daemon
        .stop()
        .then(() => api?.disconnect())
        .then(done, done)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
}
