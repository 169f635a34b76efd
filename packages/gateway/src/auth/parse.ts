/**
 * Parsing `Authorization: Basic|Bearer base64("<chainType>-<address>:<signature>")` as Crust's
 * handler does, plus the opt-in expiring form `base64("<chainType>-<address>:<signature>:<expiry>")`
 * whose signature signs `<address>:<expiry>` (unix seconds), so the expiry cannot be dropped or changed.
 */
import { W3AuthError, W3AuthErrorCode } from './errors.js'
import type { W3AuthCredentials } from './interface.js'

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/
const EXPIRY = /^\d{1,12}$/
/** Chain type assumed when the address part has no `-` (Crust's default). */
export const DEFAULT_CHAIN_TYPE = 'sub'

/** Decodes the header into credentials; throws {@link W3AuthError} (empty or invalid). */
export function parseAuthorization(header: string | undefined): W3AuthCredentials {
  const value = header?.trim() ?? ''
  const scheme = /^(Basic|Bearer)\s+(\S+)/i.exec(value)
  if (scheme === null) throw new W3AuthError(W3AuthErrorCode.EMPTY_SIGNATURE)
  const token = scheme[2]!
  if (!BASE64.test(token) || token.replace(/=+$/, '').length % 4 === 1) {
    throw new W3AuthError(W3AuthErrorCode.INVALID_SIGNATURE, { why: 'malformed base64' })
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new W3AuthError(W3AuthErrorCode.INVALID_SIGNATURE, { why: 'no signature' })
  const addressPart = decoded.slice(0, colon).trim()
  const [signaturePart, expiryPart] = decoded.slice(colon + 1).split(':')
  const signature = signaturePart!.trim()
  if (signature === '') throw new W3AuthError(W3AuthErrorCode.EMPTY_SIGNATURE)
  const expiryText = expiryPart?.trim()
  if (expiryText !== undefined && !EXPIRY.test(expiryText)) throw new W3AuthError(W3AuthErrorCode.INVALID_SIGNATURE, { why: 'malformed expiry' })
  const pieces = (addressPart.includes('-') ? addressPart : `${DEFAULT_CHAIN_TYPE}-${addressPart}`).split('-')
  const chainType = pieces[0]!.trim().toLowerCase()
  const address = pieces[1]?.trim() ?? ''
  if (address === '') throw new W3AuthError(W3AuthErrorCode.INVALID_SIGNATURE, { why: 'no address' })
  const credentials: W3AuthCredentials = { chainType, address, signature, message: address }
  if (pieces[2] !== undefined) credentials.txMsg = pieces.slice(2).join('-')
  if (expiryText !== undefined) {
    credentials.expiry = Number(expiryText)
    credentials.message = expiringMessage(address, credentials.expiry)
  }
  return credentials
}

/** What an expiring token's signature signs: `<address>:<expiry unix seconds>`. */
export function expiringMessage(address: string, expiry: number): string {
  return `${address}:${expiry}`
}

/**
 * Builds a token (the base64 part) for `<chainType>-<address>:<signature>`, or with `expiry` the
 * expiring `<chainType>-<address>:<signature>:<expiry>` (sign {@link expiringMessage} for it).
 */
export function encodeW3AuthToken(chainType: string, address: string, signature: string, expiry?: number): string {
  return Buffer.from(`${chainType}-${address}:${signature}${expiry === undefined ? '' : `:${expiry}`}`, 'utf8').toString('base64')
}
