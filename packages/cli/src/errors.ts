import { CrustError, redactUrl } from '@crust-ts/base'

/** A command-line error: printed as one readable line, exit code 1. */
export class CliError extends CrustError {}

/** The one line an error ends the CLI with (stable code in brackets; no password of any URL it quotes). */
export function errorLine(err: unknown): string {
  if (err instanceof CrustError) return `error: ${redactUrl(err.message)} (${err.code})\n`
  return `error: ${redactUrl(err instanceof Error ? err.message : String(err))}\n`
}
