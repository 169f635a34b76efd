/**
 * The commander definitions of `crust upload`, `crust status`, `crust prepaid` and
 * `crust key import|export` (implementations load on first use).
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_CHAIN_URL, DEFAULT_GATEWAY, DEFAULT_IPFS_API, DEFAULT_REPLICA_TIMEOUT_MS, parseCru } from '@crust-ts/sdk/units'
import type { AccountOptions } from './account.js'
import { CliError } from '../errors.js'

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}

function cru(value: string): bigint {
  try {
    return parseCru(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

const chainOption = () => new Option('--chain <url>', 'chain node JSON-RPC (WebSocket)').default(DEFAULT_CHAIN_URL)
const accountOptions = (cmd: Command) =>
  cmd
    .option('--account <suri>', 'secret URI of the paying account (on the dev chain default //Alice; visible in ps: prefer --account-file or --keystore)')
    .option('--account-file <file>', "file holding the paying account's secret URI")
    .option('--keystore <file|address>', 'polkadot-js keystore JSON file, or an address in the keystore folder')
    .option('--password-file <file>', "file holding the keystore's password")
    .option('--keystore-dir <dir>', 'keystore folder (default ~/.crust-ts/keystore)')

/** Adds `upload`, `status` and `prepaid` to `program`. */
export function registerStorageCommands(program: Command, write: (text: string) => void): void {
  accountOptions(
    program
      .command('upload')
      .description('add a file or folder to IPFS, order its storage and follow its replicas')
      .argument('<path>', 'file or folder')
      .option('--api <url>', 'IPFS (Kubo-compatible) API to add through', DEFAULT_IPFS_API)
      .addOption(chainOption())
      .option('--replicas <n>', 'reported replicas to wait for', positiveInt, 3)
      .option('--timeout <ms>', 'how long to wait for the replicas', positiveInt, DEFAULT_REPLICA_TIMEOUT_MS)
      .option('--no-wait', 'return once the order is in a block')
      .option('--no-root', "order without the content root (the file's first storage nodes then fix it)")
      .option('--tip <cru>', 'tip for the storage nodes, in CRU (default 0)', cru)
      .option('--gateway <url>', 'gateway for the printed links (repeatable)', collect)
      .option('--evm <url>', "pay through the storage-order contract on this EVM chain's JSON-RPC instead of a Crust account")
      .option('--evm-key-file <file>', "with --evm: file holding the paying EVM account's private key")
      .option('--evm-contract <address>', 'with --evm: the storage-order contract')
      .option('--evm-node <address>', 'with --evm: the order node to pay (default: one the contract picks)')
      .option('--permanent', 'with --evm: permanent storage (the contract charges its permanent price)', false),
  ).action(
    async (
      path: string,
      opts: AccountOptions & {
        api: string
        chain: string
        replicas: number
        timeout: number
        wait: boolean
        root: boolean
        tip?: bigint
        gateway?: string[]
        evm?: string
        evmKeyFile?: string
        evmContract?: string
        evmNode?: string
        permanent: boolean
      },
    ) => {
      if (opts.evm === undefined && (opts.evmKeyFile ?? opts.evmContract ?? opts.evmNode ?? (opts.permanent || undefined)) !== undefined) {
        throw new CliError('CLI_ERROR_EVM_OPTION', '--evm-key-file, --evm-contract, --evm-node and --permanent go with --evm <url>')
      }
      if (opts.evm !== undefined) {
        const { uploadViaEvmCommand } = await import('./upload-evm.js')
        await uploadViaEvmCommand(path, { ...opts, evm: opts.evm, gateway: opts.gateway ?? [DEFAULT_GATEWAY] }, write)
        return
      }
      const { uploadCommand } = await import('./upload.js')
      await uploadCommand(path, { ...opts, tip: opts.tip ?? 0n, gateway: opts.gateway ?? [DEFAULT_GATEWAY] }, write)
    },
  )

  program
    .command('status')
    .description("show the storage order of a CID: size, expiry, prepaid, replicas, and its content root and each replica's storage challenges")
    .argument('<cid>', 'CID')
    .addOption(chainOption())
    .option('--json', 'print JSON', false)
    .option('--api <url>', "an IPFS node's API: show how that node ranks each holder as a source (its retrieval scores)")
    .action(async (cid: string, opts: { chain: string; json: boolean; api?: string }) => {
      const { statusCommand } = await import('./order-status.js')
      await statusCommand(cid, opts, write)
    })

  accountOptions(
    program
      .command('prepaid')
      .description("add CRU to a file's prepaid pool, which renews its order at expiry")
      .argument('<cid>', 'CID')
      .argument('<amount>', 'amount in CRU, e.g. 1.5')
      .addOption(chainOption()),
  ).action(async (cid: string, amount: string, opts: AccountOptions & { chain: string }) => {
    const { prepaidCommand } = await import('./order-status.js')
    await prepaidCommand(cid, amount, opts, write)
  })
}

/** Adds `import` and `export` to `crust key`. */
export function registerKeystoreCommands(key: Command, write: (text: string) => void): void {
  key
    .command('import')
    .description('store an account as an encrypted polkadot-js keystore (<address>.json, mode 0600)')
    .argument('[file]', 'keystore JSON to import (as polkadot.js apps exports)')
    .option('--suri <suri>', 'import a secret URI instead (mnemonic, 0x seed or //Name)')
    .option('--password-file <file>', 'file holding the keystore password')
    .option('--keystore-dir <dir>', 'keystore folder (default ~/.crust-ts/keystore)')
    .option('--force', 'replace an existing keystore', false)
    .action(async (file: string | undefined, opts: { suri?: string; passwordFile?: string; keystoreDir?: string; force: boolean }) => {
      const { keyImportCommand } = await import('./keystore.js')
      await keyImportCommand(file, opts, write)
    })
  key
    .command('export')
    .description('print the keystore JSON of a stored address (or of a secret URI)')
    .argument('<address|suri>', 'address in the keystore folder, or a secret URI')
    .option('--password-file <file>', 'file holding the keystore password')
    .option('--keystore-dir <dir>', 'keystore folder (default ~/.crust-ts/keystore)')
    .action(async (addressOrSuri: string, opts: { passwordFile?: string; keystoreDir?: string }) => {
      const { keyExportCommand } = await import('./keystore.js')
      await keyExportCommand(addressOrSuri, opts, write)
    })
}
