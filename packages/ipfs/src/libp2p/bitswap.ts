import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { Helia } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'
import { IpfsNodeError, IpfsNodeErrorCode } from '../node/errors.js'

/** The Helia node bitswap attaches to: Helia plus the libp2p host it speaks on. */
export type HeliaOnHost = Helia & { libp2p: Libp2p }

/** Options of Helia's bitswap (`@helia/bitswap` 4), the subset this package sets. */
export interface BitswapInit {
  /** Most concurrent inbound bitswap streams per connection. */
  maxInboundStreams?: number
  /** Most concurrent outbound bitswap streams per connection. */
  maxOutboundStreams?: number
  /** Largest bitswap message accepted, in bytes. */
  maxIncomingMessageSize?: number
}

/** `withBitswap` of `@helia/bitswap` 4: registers a mixin that adds the bitswap block broker at start. */
export type WithBitswap = (helia: HeliaOnHost, options?: BitswapInit) => HeliaOnHost

/**
 * Loads `withBitswap` from the `@helia/bitswap` that `helia` itself depends on. Helia 7 needs
 * bitswap 4 (Helia 7's routing and blockstore contracts), while the copy hoisted next to this
 * package is 3.x (for Helia 6, through `@helia/block-brokers` 5); resolving from Helia's own
 * location always finds the matching one. Throws {@link IpfsNodeError}
 * `IPFS_ERROR_BITSWAP_UNAVAILABLE` if it cannot be found.
 */
export async function loadWithBitswap(): Promise<WithBitswap> {
  try {
    const fromHelia = createRequire(import.meta.resolve('helia'))
    const mod = (await import(pathToFileURL(fromHelia.resolve('@helia/bitswap')).href)) as { withBitswap?: unknown }
    if (typeof mod.withBitswap !== 'function') throw new Error('@helia/bitswap next to helia has no withBitswap')
    return mod.withBitswap as WithBitswap
  } catch (err) {
    throw new IpfsNodeError({ code: IpfsNodeErrorCode.BITSWAP_UNAVAILABLE }, 'cannot load Helia bitswap', { cause: err })
  }
}
