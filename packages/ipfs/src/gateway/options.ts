/** Construction options of the gateway server. */
import type { ComponentLogger } from '@crust-ts/base'
import { DEFAULT_GATEWAY_HOST, DEFAULT_GATEWAY_PORT, DEFAULT_MAX_HEADER_BYTES } from './constants.js'

export interface GatewayInit {
  /** Address to bind (default `127.0.0.1`). */
  host?: string
  /** TCP port (default 8080; 0 picks a free one, reported by `start()`). */
  port?: number
  /** Largest request head accepted, in bytes; larger requests get 431 (default 16 KiB). */
  maxHeaderBytes?: number
  logger?: ComponentLogger
}

/** The gateway's options once defaults are applied. */
export interface GatewayOptions {
  host: string
  port: number
  maxHeaderBytes: number
}

export const defaultGatewayOptions: GatewayOptions = {
  host: DEFAULT_GATEWAY_HOST,
  port: DEFAULT_GATEWAY_PORT,
  maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
}

/** Applies the defaults to `init` (once, at construction). */
export function resolveGatewayOptions(init: GatewayInit): GatewayOptions {
  return {
    host: init.host ?? defaultGatewayOptions.host,
    port: init.port ?? defaultGatewayOptions.port,
    maxHeaderBytes: init.maxHeaderBytes ?? defaultGatewayOptions.maxHeaderBytes,
  }
}
