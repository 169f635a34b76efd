import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createLogger } from '@crust-ts/base'
import { CliError } from '../errors.js'

export interface SworkerOptions {
  data: string
  chain: string
  ipfs: string
  account: string
  apiPort: number
  srdUnit: number
}

/** `crust sworker`: runs an sWorker against a chain RPC and an IPFS API until SIGINT/SIGTERM. */
export async function runSworkerCommand(opts: SworkerOptions): Promise<void> {
  const { runSworker } = await import('@crust-ts/sworker')
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const running = await runSworker({
    dataDir: resolve(opts.data),
    chainRpc: opts.chain,
    ipfsApi: opts.ipfs,
    accountUri: opts.account,
    apiPort: opts.apiPort,
    srdUnitSize: opts.srdUnit,
    logger,
  }).catch((err: unknown) => {
    throw new CliError('CLI_ERROR_SWORKER', `cannot start the sWorker: ${(err as Error).message}`)
  })
  logger.forComponent('cli').info({ api: running.api.port }, 'sWorker running')
  await new Promise<void>((done) => {
    const shutdown = () => running.stop().then(done, done)
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  })
}

/** The API token file a `crust sworker` subcommand uses: `--token-file`, or `<--data>/api-token`. */
export function sworkerTokenFile(opts: { data: string; tokenFile?: string }): string {
  return resolve(opts.tokenFile ?? join(opts.data, 'api-token'))
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new CliError('CLI_ERROR_SWORKER_TOKEN', `cannot read the sWorker API token at ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): pass --data <sworker data folder> or --token-file`)
  }
}

/**
 * `crust sworker workload|srd|file-info`: one request to a running sWorker's API. POSTs change the
 * sWorker's state: they send the token from `tokenFile` and a JSON body.
 */
export async function sworkerRequest(api: string, method: 'GET' | 'POST', path: string, body?: unknown, tokenFile?: string): Promise<string> {
  let init: RequestInit = {}
  if (method === 'POST') {
    if (tokenFile === undefined) throw new TypeError('sworkerRequest: a POST needs the token file')
    init = { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${readToken(tokenFile)}` } }
  }
  let res: Response
  try {
    res = await fetch(`${api.replace(/\/+$/, '')}/api/v0${path}`, init)
  } catch {
    throw new CliError('CLI_ERROR_SWORKER_UNREACHABLE', `no sWorker answers at ${api}: start one with "crust sworker" or pass --api`)
  }
  const text = await res.text()
  if (!res.ok) {
    let message = text
    try {
      message = (JSON.parse(text) as { message: string }).message
    } catch {
      // plain text
    }
    throw new CliError('CLI_ERROR_SWORKER', `${message} (HTTP ${res.status})`)
  }
  return `${JSON.stringify(JSON.parse(text), null, 2)}\n`
}
