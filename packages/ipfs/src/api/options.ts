import type { ComponentLogger } from '@crust-ts/base'
import { AGENT_VERSION, API_VERSION, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_STOP_GRACE_MS } from './constants.js'
import { KuboApiServerError } from './errors.js'

/** Construction options of the Kubo RPC API server. */
export interface KuboApiServerInit {
  /** Interface to bind; default `127.0.0.1` (the API changes state and has no authentication). */
  host?: string
  /** TCP port; default 5001, `0` picks any free port (see what `start()` returns). */
  port?: number
  /** Largest request head (request line plus headers) accepted, in bytes; default 1 MiB (Go's). Larger heads get 431. */
  maxHeaderBytes?: number
  /** Largest request body accepted, in bytes; default 64 GiB. Larger bodies get 413. */
  maxBodyBytes?: number
  /**
   * Origins allowed to call the API from a browser (exact `Origin` values, or `*`). Default: the
   * bound address itself (`http://127.0.0.1:<port>`, `http://localhost:<port>`, ...), as Kubo.
   */
  allowedOrigins?: string[]
  /** How long `stop()` lets in-flight requests run before closing their sockets, in ms; default 1000. */
  stopGraceMs?: number
  /** Reported as `Version` by `/api/v0/version`. */
  version?: string
  /** Reported as `AgentVersion` by `/api/v0/id`. */
  agentVersion?: string
  /** Logger; the server uses the component `ipfs:api`. Default: silent. */
  logger?: ComponentLogger
}

/** Resolved options (every field set). */
export interface KuboApiServerOptions {
  host: string
  port: number
  maxHeaderBytes: number
  maxBodyBytes: number
  allowedOrigins: string[] | undefined
  stopGraceMs: number
  version: string
  agentVersion: string
}

/** Default values of the optional {@link KuboApiServerInit} fields. */
export const defaultKuboApiServerOptions = {
  host: '127.0.0.1',
  port: 5001,
  maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  stopGraceMs: DEFAULT_STOP_GRACE_MS,
  version: API_VERSION,
  agentVersion: AGENT_VERSION,
} as const

/** Kubo's always-allowed browser origins; `<port>` is replaced with the bound port. */
export const DEFAULT_LOCAL_ORIGINS = [
  'http://127.0.0.1:<port>',
  'https://127.0.0.1:<port>',
  'http://[::1]:<port>',
  'https://[::1]:<port>',
  'http://localhost:<port>',
  'https://localhost:<port>',
]

/** Applies the defaults to `init` and checks the result (once, at construction); throws `IPFS_API_ERROR_INVALID_OPTIONS`. */
export function resolveKuboApiServerOptions(init: KuboApiServerInit): KuboApiServerOptions {
  const d = defaultKuboApiServerOptions
  const options: KuboApiServerOptions = {
    host: init.host ?? d.host,
    port: init.port ?? d.port,
    maxHeaderBytes: init.maxHeaderBytes ?? d.maxHeaderBytes,
    maxBodyBytes: init.maxBodyBytes ?? d.maxBodyBytes,
    allowedOrigins: init.allowedOrigins,
    stopGraceMs: init.stopGraceMs ?? d.stopGraceMs,
    version: init.version ?? d.version,
    agentVersion: init.agentVersion ?? d.agentVersion,
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new KuboApiServerError('IPFS_API_ERROR_INVALID_OPTIONS', 'port must be an integer in 0..65535', { port: options.port })
  }
  for (const name of ['maxHeaderBytes', 'maxBodyBytes'] as const) {
    const value = options[name]
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new KuboApiServerError('IPFS_API_ERROR_INVALID_OPTIONS', `${name} must be a positive integer`, { [name]: value })
    }
  }
  if (!Number.isFinite(options.stopGraceMs) || options.stopGraceMs < 0) {
    throw new KuboApiServerError('IPFS_API_ERROR_INVALID_OPTIONS', 'stopGraceMs must be a non-negative number', {
      stopGraceMs: options.stopGraceMs,
    })
  }
  return options
}
