/** Key schemes `crust key` accepts (kept apart from key.ts so the command definitions load no crypto). */
import { CliError } from '../errors.js'

export type KeyScheme = 'sr25519' | 'ed25519' | 'ecdsa'

const SCHEMES: readonly KeyScheme[] = ['sr25519', 'ed25519', 'ecdsa']

export function parseScheme(value: string): KeyScheme {
  if (!(SCHEMES as readonly string[]).includes(value)) {
    throw new CliError('CLI_ERROR_BAD_SCHEME', `unknown key scheme "${value}": use one of ${SCHEMES.join(', ')}`)
  }
  return value as KeyScheme
}
