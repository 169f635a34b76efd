/**
 * The EVM dev node: Hardhat's EDR simulated chain, in process, behind a small HTTP JSON-RPC
 * endpoint. Hardhat's own `node` task needs a config file and its JSON-RPC server is internal, so
 * we create the runtime programmatically and forward POSTed JSON-RPC to its EIP-1193 provider.
 * Its accounts are Hardhat's well-known dev accounts ("test test ... junk"), funded and unlocked.
 */
import { fileURLToPath } from 'node:url'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listen } from '@crust-ts/base'
import { createHardhatRuntimeEnvironment } from 'hardhat/hre'
import { type EIP1193Provider, getAddress } from 'viem'
import { DEFAULT_EVM_CHAIN_ID, DEFAULT_EVM_RPC_PORT, MAX_RPC_BODY_BYTES } from './constants.js'
import { EvmError } from './errors.js'

export interface EvmDevNodeInit {
  /** Port of the JSON-RPC endpoint; 0 picks a free one. Default 8545. */
  port?: number
  host?: string
  chainId?: number
  /** Also mine an empty block every so many ms (confirmations accrue without traffic); 0 = only on transactions. */
  blockIntervalMs?: number
  /** Whether to serve HTTP at all (tests can use `provider` directly). Default true. */
  serve?: boolean
}

export interface EvmDevNode {
  /** `http://host:port`, or undefined when not served. */
  readonly url: string | undefined
  readonly chainId: number
  /** EIP-1193 provider of the simulated chain (viem `custom(provider)`). */
  readonly provider: EIP1193Provider
  /** The unlocked dev accounts. */
  readonly accounts: readonly `0x${string}`[]
  close(): Promise<void>
}

interface JsonRpcRequest {
  jsonrpc?: string
  id?: unknown
  method?: unknown
  params?: unknown
}

/** This package's folder (dist/src/dev-node.js → ../..). */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export async function startEvmDevNode(init: EvmDevNodeInit = {}): Promise<EvmDevNode> {
  const chainId = init.chainId ?? DEFAULT_EVM_CHAIN_ID
  const interval = init.blockIntervalMs ?? 0
  let provider: EIP1193Provider
  let closeNetwork: () => Promise<void>
  try {
    const hre = await createHardhatRuntimeEnvironment(
      {
        networks: {
          dev: {
            type: 'edr-simulated',
            chainId,
            mining: interval > 0 ? { auto: true, interval } : { auto: true },
            // Hardhat refuses intervals under 1 s unless blocks may share a timestamp (dev block times are shorter).
            ...(interval > 0 && interval < 1000 ? { allowBlocksWithSameTimestamp: true } : {}),
          },
        },
      },
      {},
      // Hardhat wants a project root with a package.json: this package's own, not wherever the user runs `crust`
      PACKAGE_ROOT,
    )
    const connection = await hre.network.create({ network: 'dev' })
    provider = connection.provider as unknown as EIP1193Provider
    closeNetwork = () => connection.close()
  } catch (err) {
    throw new EvmError('EVM_ERROR_DEV_NODE', `the EVM dev node did not start: ${(err as Error).message}`, undefined, { cause: err })
  }
  // Checksummed, as viem returns addresses everywhere else.
  const accounts = ((await provider.request({ method: 'eth_accounts' })) as string[]).map((a) => getAddress(a))

  let server: Server | undefined
  let url: string | undefined
  if (init.serve ?? true) {
    server = createServer((req, res) => void handle(provider, req, res))
    try {
      const addr = await listen(server, init.port ?? DEFAULT_EVM_RPC_PORT, init.host ?? '127.0.0.1')
      url = `http://${addr.address}:${addr.port}`
    } catch (err) {
      await closeNetwork()
      throw new EvmError('EVM_ERROR_DEV_NODE', `the EVM dev node cannot listen: ${(err as Error).message}`, { port: init.port }, { cause: err })
    }
  }
  return {
    url,
    chainId,
    provider,
    accounts,
    async close() {
      if (server !== undefined) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server?.close(() => resolve()))
      }
      await closeNetwork()
    },
  }
}

async function handle(provider: EIP1193Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Browsers (the console, dApps) call the dev node from other origins.
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-allow-headers', 'content-type')
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end()
    return
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'JSON-RPC over POST only' }))
    return
  }
  let body: unknown
  try {
    body = JSON.parse(await readBody(req))
  } catch {
    send(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
    return
  }
  const answer = Array.isArray(body) ? await Promise.all(body.map((r) => call(provider, r as JsonRpcRequest))) : await call(provider, body as JsonRpcRequest)
  send(res, answer)
}

async function call(provider: EIP1193Provider, r: JsonRpcRequest): Promise<unknown> {
  const id = r?.id ?? null
  if (typeof r?.method !== 'string') return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } }
  try {
    const params = Array.isArray(r.params) ? r.params : []
    const result = await (provider.request as (a: { method: string; params: unknown[] }) => Promise<unknown>)({ method: r.method, params })
    return { jsonrpc: '2.0', id, result: result ?? null }
  } catch (err) {
    const e = err as { code?: number; message?: string; data?: unknown }
    const error: Record<string, unknown> = { code: typeof e.code === 'number' ? e.code : -32603, message: e.message ?? String(err) }
    if (e.data !== undefined) error.data = e.data
    return { jsonrpc: '2.0', id, error }
  }
}

function send(res: ServerResponse, payload: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_RPC_BODY_BYTES) throw new Error('body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
