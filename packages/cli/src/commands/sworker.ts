import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createLogger } from '@crust-ts/base'
import { type KeyringPair, loadSigner } from '@crust-ts/sdk'
import { CliError } from '../errors.js'
import { isDevChain } from './dev-chain.js'
import { secretFromFlags } from './secret-file.js'

export interface SworkerOptions {
  data: string
  chain: string
  ipfs: string
  account?: string
  accountFile?: string
  keystore?: string
  passwordFile?: string
  apiPort: number
  srdUnit: number
}

/** The dev account an sWorker uses on the dev chain when given none. */
export const DEV_SWORKER_ACCOUNT = '//Bob'

/** The node account: `--account(-file)` or `--keystore`; `//Bob` only when the chain is the dev chain. */
async function sworkerAccount(opts: SworkerOptions): Promise<{ account: KeyringPair; devDefault: boolean }> {
  const suri = secretFromFlags(opts.account, opts.accountFile, '--account')
  if (suri !== undefined && opts.keystore !== undefined) throw new CliError('CLI_ERROR_ACCOUNT', 'give either --account(-file) or --keystore, not both')
  if (opts.keystore !== undefined) {
    if (opts.passwordFile === undefined && process.stdin.isTTY === true) {
      const { promptPassword } = await import('./password-prompt.js')
      return { account: await loadSigner({ keystore: opts.keystore, password: await promptPassword(`password of ${opts.keystore}: `) }), devDefault: false }
    }
    return {
      account: await loadSigner({ keystore: opts.keystore, ...(opts.passwordFile === undefined ? {} : { passwordFile: opts.passwordFile }) }),
      devDefault: false,
    }
  }
  if (suri !== undefined) return { account: await loadSigner({ suri }), devDefault: false }
  if (!(await isDevChain(opts.chain))) {
    throw new CliError(
      'CLI_ERROR_NO_ACCOUNT',
      `no node account: pass --account-file <file> (or --keystore <file> --password-file <file>, or --account <secret URI>); ${DEV_SWORKER_ACCOUNT} is the default only on the dev chain, and ${opts.chain} is not one`,
    )
  }
  return { account: await loadSigner({ suri: DEV_SWORKER_ACCOUNT }), devDefault: true }
}

/** `crust sworker`: runs an sWorker against a chain RPC and an IPFS API until SIGINT/SIGTERM. */
export async function runSworkerCommand(opts: SworkerOptions): Promise<void> {
  const { runSworker } = await import('@crust-ts/sworker')
  const { account, devDefault } = await sworkerAccount(opts)
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  if (devDefault)
    logger
      .forComponent('cli')
      .warn({ account: account.address }, `dev chain: using the dev account ${DEV_SWORKER_ACCOUNT} (give --account-file or --keystore for another)`)
  const running = await runSworker({
    dataDir: resolve(opts.data),
    chainRpc: opts.chain,
    ipfsApi: opts.ipfs,
    account,
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
    throw new CliError(
      'CLI_ERROR_SWORKER_TOKEN',
      `cannot read the sWorker API token at ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): pass --data <sworker data folder> or --token-file`,
    )
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
