/** The verifier registry and the W3Auth check: header in, identity out (or a {@link W3AuthError}). */
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { W3AuthError, W3AuthErrorCode } from './errors.js'
import { ETHEREUM_ALIASES, verifyEthereum } from './ethereum.js'
import type { SignatureVerifier, VerifierEntry, W3AuthIdentity } from './interface.js'
import { parseAuthorization } from './parse.js'
import { SOLANA_ALIASES, verifySolana } from './solana.js'
import { SUBSTRATE_ALIASES, verifySubstrate } from './substrate.js'

export class W3Auth {
  private readonly verifiers = new Map<string, VerifierEntry>()
  private ready: Promise<unknown> | undefined

  /**
   * Adds (or replaces) a chain type: `aliases` are matched case-insensitively; the first one is the
   * canonical name unless `entry.name` is given.
   */
  registerVerifier(aliases: string[], verify: SignatureVerifier, entry: Partial<Omit<VerifierEntry, 'verify'>> = {}): void {
    if (aliases.length === 0) throw new TypeError('registerVerifier needs at least one alias')
    const value: VerifierEntry = { ...entry, name: entry.name ?? aliases[0]!.toLowerCase(), verify }
    for (const alias of aliases) this.verifiers.set(alias.trim().toLowerCase(), value)
  }

  /** Chain type aliases currently accepted. */
  aliases(): string[] {
    return [...this.verifiers.keys()]
  }

  /** Verifies an `Authorization` header value; throws {@link W3AuthError}. */
  async authenticate(header: string | undefined): Promise<W3AuthIdentity> {
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
    return { chainType: entry.name, address: credentials.address, account: `${entry.name}-${normalized}` }
  }
}

/** A W3Auth with Crust's substrate, ethereum and solana verifiers registered. */
export function createW3Auth(): W3Auth {
  const auth = new W3Auth()
  auth.registerVerifier(SUBSTRATE_ALIASES, verifySubstrate, { name: 'substrate' })
  auth.registerVerifier(ETHEREUM_ALIASES, verifyEthereum, { name: 'ethereum', normalizeAddress: (a) => a.toLowerCase() })
  auth.registerVerifier(SOLANA_ALIASES, verifySolana, { name: 'solana' })
  return auth
}
