import { readFileSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec, ChainNode, type ChainSpec, createLogger, parseChainSpec } from '@crust-ts/chain'
import { CliError } from '../errors.js'

export interface RunNodeOptions {
  chain: string
  basePath?: string
  rpcPort: number
  rpcExternal?: boolean
  blockTimeMs: number
  /** Delete the data folder first (`crust dev --reset`). */
  reset?: boolean
}

/** `dev`, `local`, or a chain spec JSON file. */
export async function loadSpec(chain: string): Promise<ChainSpec> {
  await cryptoWaitReady()
  const builtin = builtinSpec(chain)
  if (builtin !== undefined) return builtin
  let text: string
  try {
    text = readFileSync(chain, 'utf8')
  } catch {
    throw new CliError('CLI_ERROR_BAD_CHAIN', `--chain: "${chain}" is neither dev, local, nor a readable chain spec file`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CliError('CLI_ERROR_BAD_CHAIN', `--chain: ${chain} is not valid JSON: ${(err as Error).message}`)
  }
  return parseChainSpec(json)
}

/** Runs a chain node until SIGINT/SIGTERM. */
export async function runNode(options: RunNodeOptions): Promise<void> {
  const spec = await loadSpec(options.chain)
  const basePath = resolve(options.basePath ?? join(homedir(), '.crust-ts', spec.id))
  if (options.reset === true) rmSync(basePath, { recursive: true, force: true })
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const node = await ChainNode.create({
    spec,
    basePath,
    rpc: { host: options.rpcExternal === true ? '0.0.0.0' : '127.0.0.1', port: options.rpcPort },
    blockTimeMs: options.blockTimeMs,
    author: true,
    logger,
  })
  const { rpc } = await node.start()
  // A supervisor (`crust dev`) learns the endpoint over IPC instead of parsing logs.
  process.send?.({ type: 'ready', endpoints: { rpc: `ws://${rpc.host}:${rpc.port}` } })
  if (process.stdout.isTTY === true) {
    process.stdout.write(
      `\n  ${spec.name} is running. Connect a wallet or polkadot.js apps to ws://${rpc.host}:${rpc.port}\n` +
        `  Data in ${basePath}. Dev accounts //Alice ... //Ferdie are funded; //Alice is sudo. Ctrl-C stops it.\n\n`,
    )
  }
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      logger.forComponent('cli').info({ signal }, 'shutting down')
      node.stop().then(done, done)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
}
