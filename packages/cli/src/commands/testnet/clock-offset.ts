/** A validator's arguments with its test clock offset set to `ms` (0: none); one `--flag=value` argument, so a negative offset is not read as a flag. */
export function withClockOffset(args: string[], ms: number): string[] {
  const rest = args.filter((a) => !a.startsWith('--test-clock-offset-ms='))
  return ms === 0 ? rest : [...rest, `--test-clock-offset-ms=${ms}`]
}
