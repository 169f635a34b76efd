/**
 * @packageDocumentation
 *
 * The `crust` command-line tool. `main(argv)` runs it and resolves to the exit code.
 */
export { buildProgram, main } from './program.js'
export { CliError } from './errors.js'
export { generateKey, inspectKey, type KeyInfo, type KeyScheme } from './commands/key.js'
