/** An EVM account from a key file (`--evm-key-file`): secrets never come from the command line. */
import { privateKeyToAccount } from 'viem/accounts'
import { CliError } from '../errors.js'
import { readSecretFile } from './secret-file.js'

/** The account of the 32-byte hex private key in `file` (with or without 0x); CLI_ERROR_EVM_KEY otherwise. */
export function evmAccountFromFile(file: string, flag = '--evm-key-file') {
  const key = readSecretFile(file, flag)
  const hex = key.startsWith('0x') ? key : `0x${key}`
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new CliError('CLI_ERROR_EVM_KEY', `${flag}: ${file} does not hold a 32-byte hex private key`)
  return privateKeyToAccount(hex as `0x${string}`)
}
