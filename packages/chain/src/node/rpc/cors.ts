/**
 * Which browser origins the RPC server answers, as Substrate's `--rpc-cors`: `all`, or a list of
 * origins where a port may be `*`. A request without an `Origin` header (a CLI, a server, a test
 * client) is always served: only browsers send one, and only browsers need the guard, since any
 * page they open may otherwise drive a node on the user's loopback.
 */
import { RpcServerError } from './errors.js'

/** `all`, or the origins allowed (`http://localhost:*` allows any port). */
export type RpcCors = 'all' | readonly string[]

/** Substrate's default for a node that is not `--dev`: local pages and polkadot.js apps. */
export const DEFAULT_RPC_CORS: readonly string[] = [
  'http://localhost:*',
  'http://127.0.0.1:*',
  'https://localhost:*',
  'https://127.0.0.1:*',
  'https://polkadot.js.org',
]

/** Parses a `--rpc-cors` value: `all`, or a comma-separated list of origins. */
export function parseRpcCors(value: string): RpcCors {
  const trimmed = value.trim()
  if (trimmed.toLowerCase() === 'all') return 'all'
  const origins = trimmed
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0)
  for (const origin of origins) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin)) {
      throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', `--rpc-cors: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], port may be *)`, {
        origin,
      })
    }
  }
  return origins
}

/** Whether a request with this `Origin` header may be served. */
export function originAllowed(cors: RpcCors, origin: string | undefined): boolean {
  if (origin === undefined || cors === 'all') return true
  const given = origin.toLowerCase()
  return cors.some((allowed) => {
    const rule = allowed.toLowerCase()
    if (rule === given) return true
    if (!rule.endsWith(':*')) return false
    // A browser leaves out the scheme's default port, so `http://localhost` matches too.
    if (given === rule.slice(0, -2)) return true
    const prefix = rule.slice(0, -1)
    return given.startsWith(prefix) && /^\d+$/.test(given.slice(prefix.length))
  })
}
