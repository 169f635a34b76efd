/** The verifier registry and the W3Auth check: header in, identity out (or a {@link W3AuthError}). */
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { W3AuthError, W3AuthErrorCode } from './errors.js'
import { ETHEREUM_ALIASES, verifyEthereum } from './ethereum.js'
import type { SignatureVerifier, VerifierEntry, W3AuthIdentity } from './interface.js'
import { parseAuthorization } from './parse.js'
import { SOLANA_ALIASES, verifySolana } from './solana.js'
import { normalizeSubstrateAddress, SUBSTRATE_ALIASES, verifySubstrate } from './substrate.js'

/** Verified tokens remembered by default (a verified token stays valid, until its expiry if it has one). */
export const DEFAULT_W3AUTH_CACHE_SIZE = 10_000

export interface W3AuthInit {
  /** Verified tokens kept (LRU) to skip re-verifying signatures; 0 disables. */
  cacheSize?: number
  /** Clock (ms since the epoch) for expiring tokens; default `Date.now`. */
  now?: () => number
}

export class W3Auth {
  private readonly verifiers = new Map<string, VerifierEntry>()
  private readonly verified = new Map<string, W3AuthIdentity>()
  private readonly verifying = new Map<string, Promise<W3AuthIdentity>>()
  private readonly cacheSize: number
  private readonly now: () => number
  private ready: Promise<unknown> | undefined

  constructor(init: W3AuthInit = {}) {
    this.cacheSize = init.cacheSize ?? DEFAULT_W3AUTH_CACHE_SIZE
    this.now = init.now ?? Date.now
  }

  /** Refuses an expiring token at or after its expiry. */
  private checkExpiry(identity: W3AuthIdentity): void {
    if (identity.expiresAt !== undefined && this.now() >= identity.expiresAt * 1000) {
      throw new W3AuthError(W3AuthErrorCode.EXPIRED, { chainType: identity.chainType, expiresAt: identity.expiresAt })
    }
  }

  /**
   * Adds (or replaces) a chain type: `aliases` are matched case-insensitively; the first one is the
   * canonical name unless `entry.name` is given.
   */
  registerVerifier(aliases: string[], verify: SignatureVerifier, entry: Partial<Omit<VerifierEntry, 'verify'>> = {}): void {
    if (aliases.length === 0) throw new TypeError('registerVerifier needs at least one alias')
    const value: VerifierEntry = { ...entry, name: entry.name ?? aliases[0]!.toLowerCase(), verify }
    for (const alias of aliases) this.verifiers.set(alias.trim().toLowerCase(), value)
    this.verified.clear()
  }

  /** Chain type aliases currently accepted. */
  aliases(): string[] {
    return [...this.verifiers.keys()]
  }

  /** Verifies an `Authorization` header value; throws {@link W3AuthError}. */
  async authenticate(header: string | undefined): Promise<W3AuthIdentity> {
    const token = /^(?:Basic|Bearer)\s+(\S+)/i.exec(header?.trim() ?? '')?.[1]
    const known = token === undefined ? undefined : this.verified.get(token)
    if (known !== undefined) {
      this.verified.delete(token!)
      this.checkExpiry(known)
      // refresh its LRU position
      this.verified.set(token!, known)
      return { ...known }
    }
    if (token === undefined || this.cacheSize === 0) return this.checked(await this.verify(header, token))
    // Concurrent requests with the same token share one verification.
    let pending = this.verifying.get(token)
    if (pending === undefined) {
      pending = this.verify(header, token).finally(() => this.verifying.delete(token))
      this.verifying.set(token, pending)
    }
    return this.checked({ ...(await pending) })
  }

  private checked(identity: W3AuthIdentity): W3AuthIdentity {
    this.checkExpiry(identity)
    return identity
  }

  private async verify(header: string | undefined, token: string | undefined): Promise<W3AuthIdentity> {
    const credentials = parseAuthorization(header)
    const entry = this.verifiers.get(credentials.chainType)
    if (entry === undefined) throw new W3AuthError(W3AuthErrorCode.UNSUPPORTED_CHAIN, { chainType: credentials.chainType })
    this.ready ??= cryptoWaitReady()
    await this.ready
    let valid = false
    try {
      valid = await entry.verify(credentials)
    } catch (cause) {
      throw new W3AuthError(W3AuthErrorCode.INVALID_SIGNATURE, { chainType: entry.name }, { cause })
    }
    if (!valid) throw new W3AuthError(W3AuthErrorCode.INVALID_SIGNATURE, { chainType: entry.name })
    const normalized = entry.normalizeAddress?.(credentials.address) ?? credentials.address
    const identity: W3AuthIdentity = { chainType: entry.name, address: credentials.address, account: `${entry.name}-${normalized}` }
    if (credentials.expiry !== undefined) identity.expiresAt = credentials.expiry
    // An expired token is not cached (it would only evict valid ones).
    if (this.cacheSize > 0 && token !== undefined && (identity.expiresAt === undefined || this.now() < identity.expiresAt * 1000)) {
      if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!)
      this.verified.set(token, identity)
    }
    return { ...identity }
  }
}

/** A W3Auth with Crust's substrate, ethereum and solana verifiers registered. */
export function createW3Auth(init: W3AuthInit = {}): W3Auth {
  const auth = new W3Auth(init)
  auth.registerVerifier(SUBSTRATE_ALIASES, verifySubstrate, { name: 'substrate', normalizeAddress: normalizeSubstrateAddress })
  auth.registerVerifier(ETHEREUM_ALIASES, verifyEthereum, { name: 'ethereum', normalizeAddress: (a) => a.toLowerCase() })
  auth.registerVerifier(SOLANA_ALIASES, verifySolana, { name: 'solana' })
  return auth
}
