import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import type { MetadataVersion } from '@crust-ts/chain'
import type { AddCommandOptions } from './commands/ipfs-client.js'
import type { IpfsDaemonOptions } from './commands/ipfs-daemon.js'
import { DEFAULT_API } from './commands/ipfs-defaults.js'
import type { KeyInfo } from './commands/key.js'
import { parseScheme } from './commands/key-scheme.js'
import type { StorageNodeFlags } from './commands/storage-node.js'
import { CliError, errorLine } from './errors.js'
import { registerKeystoreCommands, registerStorageCommands } from './commands/storage-program.js'

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number 0-65535')
  return port
}

function parseDuration(value: string): number {
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms < 50) throw new InvalidArgumentError('expected milliseconds, at least 50')
  return ms
}

function parsePercent(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage 0-100')
  return n
}

/** A link rate (`100mbit`, `512kbit`, `1gbit`) in Mbit/s. */
function parseRate(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit)$/i.exec(value)
  if (m === null || Number(m[1]) <= 0) throw new InvalidArgumentError('expected a rate such as 100mbit, 512kbit or 1gbit')
  return Number(m[1]) * { kbit: 0.001, mbit: 1, gbit: 1000 }[m[2]!.toLowerCase() as 'kbit' | 'mbit' | 'gbit']
}

/** `--pruning`: `archive` or a number of blocks (at least 1); checked by the chain's own parser. */
function parsePruning(value: string): string {
  if (value === 'archive' || /^[1-9][0-9]*$/.test(value)) return value
  throw new InvalidArgumentError("expected 'archive' or a number of finalized blocks whose states are kept (at least 1)")
}

/**
 * `--metadata-version`: 14 (today's clients), 13 or 12 (@polkadot/api 4.x clients); the chain's
 * `METADATA_VERSIONS`, spelled out so the CLI starts without loading the chain.
 */
function parseMetadataVersion(value: string): MetadataVersion {
  if (value === '12' || value === '13' || value === '14') return Number(value) as MetadataVersion
  throw new InvalidArgumentError("expected 12, 13 or 14 (14: today's clients; 13 and 12: @polkadot/api 4.x clients)")
}

function parseCidVersion(value: string): 0 | 1 {
  if (value !== '0' && value !== '1') throw new InvalidArgumentError('expected 0 or 1')
  return Number(value) as 0 | 1
}

/** `--cru-eth-rate`: CRU per ETH as a decimal, in the oracle's unit (5 decimals). */
function parseCruEthRate(value: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,5}))?$/.exec(value)
  const rate = m === null ? 0n : BigInt(m[1]!) * 100_000n + BigInt((m[2] ?? '').padEnd(5, '0'))
  if (rate <= 0n) throw new InvalidArgumentError('expected CRU per ETH, a positive number with at most 5 decimals')
  return rate
}

/** Milliseconds, at least 50, or 0 for never. */
function parseInterval(value: string): number {
  return value === '0' ? 0 : parseDuration(value)
}

function parseNonNegative(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer')
  return n
}

/** An integer of either sign (an offset). */
function parseInteger(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer')
  return n
}

/** A repeatable option: every value given, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** Builds the `crust` command. `write` receives what the command prints on stdout. */
export function buildProgram(write: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const program = new Command('crust')
    .description('crust-ts: a TypeScript implementation of the Crust Network')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: (t) => process.stderr.write(t) })

  program
    .command('dev')
    .description('start a complete local network: a validator and storage nodes (IPFS + sWorker + sManager), real processes on loopback')
    .option('--base-path <dir>', 'data folder', '.crust-dev')
    .option('--chain <spec>', 'dev, or a chain spec JSON file', 'dev')
    .option('--rpc-port <port>', "the validator's JSON-RPC port", parsePort, 9944)
    .option('--ipfs-api-port <port>', "storage node A's IPFS API port", parsePort, 5001)
    .option('--gateway-port <port>', "storage node A's gateway port", parsePort, 8080)
    .option('--block-time <ms>', 'block time in milliseconds', parseDuration, 1000)
    .option('--validators <n>', 'number of validators (more than 1 uses the local spec: up to 4, Aura + finality over p2p)', parseNonNegative, 1)
    .option('--storage-nodes <n>', 'number of storage nodes', parseNonNegative, 3)
    .option('--srd-units <n>', 'SRD units each storage node declares', parseNonNegative, 4)
    .option('--srd-unit <bytes>', 'SRD unit size (dev: 16 MiB)', parseNonNegative, 16 * 1024 * 1024)
    .option('--w3auth-port <port>', 'W3Auth gateway port', parsePort, 5050)
    .option('--psa-port <port>', 'pinning service port', parsePort, 3000)
    .option('--no-gateway', 'run neither the W3Auth gateway nor the pinning service')
    .option('--console-port <port>', 'web console port', parsePort, 3001)
    .option('--no-console', 'do not serve the web console')
    .option('--evm-port <port>', "the EVM dev node's JSON-RPC port", parsePort, 8545)
    .option('--no-evm', 'run no EVM dev node (nor the storage-order contract and its order node)')
    .option('--order-node-port <port>', "the EVM order node's HTTP API port", parsePort, 12224)
    .option('--reset', 'delete the dev network data first', false)
    .option(
      '--pruning <blocks>',
      "states kept: the last <blocks> finalized blocks' by the validators and the storage nodes' chain nodes, or 'archive' for all (default: validators archive, so the console and explorers can read any block; storage nodes 256)",
      parsePruning,
    )
    .option(
      '--metadata-version <version>',
      "metadata the validators serve from state_getMetadata: 14 (default), or 13 / 12 for @polkadot/api 4.x clients (Crust's mainnet UI, crust-pin)",
      parseMetadataVersion,
    )
    .action(
      async (opts: {
        basePath: string
        chain: string
        rpcPort: number
        ipfsApiPort: number
        gatewayPort: number
        blockTime: number
        validators: number
        storageNodes: number
        srdUnits: number
        srdUnit: number
        w3authPort: number
        psaPort: number
        gateway: boolean
        consolePort: number
        console: boolean
        evmPort: number
        evm: boolean
        orderNodePort: number
        reset: boolean
        pruning?: string
        metadataVersion?: MetadataVersion
      }) => {
        const { runDev } = await import('./commands/dev/dev.js')
        await runDev({ ...opts, srdUnitSize: opts.srdUnit })
      },
    )

  program
    .command('testnet')
    .description(
      'a network where every node is its own host: validators, storage nodes and a gateway, each in its own network namespace, links with latency, loss and bandwidth (root; Linux)',
    )
    .option('--base-path <dir>', 'data folder', '.crust-testnet')
    .option('--chain <spec>', 'local, or a chain spec JSON file whose first authorities are the dev validator keys', 'local')
    .option('--validators <n>', 'number of validators (1 to 4)', parseNonNegative, 4)
    .option('--storage-nodes <n>', 'number of storage nodes', parseNonNegative, 3)
    .option('--no-gateway', 'run no W3Auth gateway and pinning service')
    .option('--block-time <ms>', 'block time in milliseconds', parseDuration, 1000)
    .option('--srd-units <n>', 'SRD units each storage node declares', parseNonNegative, 1)
    .option('--srd-unit <bytes>', 'SRD unit size', parseNonNegative, 16 * 1024 * 1024)
    .option('--latency <ms>', 'one-way latency of every link', parseNonNegative, 0)
    .option('--jitter <ms>', 'latency varies by up to this much either way', parseNonNegative, 0)
    .option('--loss <percent>', 'packet loss (with netem) or chunks stalled as if lost (link proxy), in percent', parsePercent, 0)
    .option('--bandwidth <rate>', 'rate limit of every link, e.g. 100mbit', parseRate)
    .option('--seed <n>', 'seed of the random faults (printed; default random)', parseNonNegative)
    .option(
      '--small-disk <bytes>',
      "the first storage node's data folder is a file system of its own (tmpfs) of this size, for disk-full faults",
      parseNonNegative,
    )
    .option('--control-port <port>', 'port of the control API on 127.0.0.1 (cut, heal, kill, restart)', parsePort, 0)
    .option('--reset', 'delete the data folder first', false)
    .action(
      async (opts: {
        basePath: string
        chain: string
        validators: number
        storageNodes: number
        gateway: boolean
        blockTime: number
        srdUnits: number
        srdUnit: number
        latency: number
        jitter: number
        loss: number
        bandwidth?: number
        seed?: number
        smallDisk?: number
        controlPort: number
        reset: boolean
      }) => {
        const { runTestnet } = await import('./commands/testnet/testnet.js')
        const { latency, jitter, loss, bandwidth, srdUnit, seed, ...rest } = opts
        const faults = { latencyMs: latency, jitterMs: jitter, loss: loss / 100, ...(bandwidth === undefined ? {} : { mbit: bandwidth }) }
        await runTestnet({ ...rest, srdUnitSize: srdUnit, faults, ...(seed === undefined ? {} : { seed }) })
      },
    )

  program
    .command('evm-node')
    .description('run an EVM dev node (Hardhat EDR, JSON-RPC over HTTP) with the storage-order contract and price oracle deployed')
    .option('--port <port>', 'JSON-RPC port', parsePort, 8545)
    .option('--host <ip>', 'listen address', '127.0.0.1')
    .option('--chain-id <id>', 'EVM chain id', parseNonNegative, 31337)
    .option('--block-time <ms>', 'also mine an empty block this often (0: only on transactions)', parseNonNegative, 1000)
    .option('--no-deploy', 'deploy no contracts')
    .action(async (opts: { port: number; host: string; chainId: number; blockTime: number; deploy: boolean }) => {
      const { runEvmNode } = await import('./commands/evm-node.js')
      await runEvmNode(opts)
    })

  const orderNode = program.command('order-node').description('the EVM order node: orders Order events of a storage-order contract on Crust')
  orderNode
    .command('run', { isDefault: true })
    .description('watch the contract (or one per chain) for Order events to this merchant, order them on Crust, pin their CIDs')
    .requiredOption('--evm-rpc <url>', 'EVM JSON-RPC URL (repeat with --contract, one pair per chain, to watch several chains)', collect)
    .requiredOption('--contract <address>', 'the storage-order contract (its proxy address); one per --evm-rpc, in the same order', collect)
    .requiredOption('--evm-key-file <file>', "file holding the merchant's EVM private key (its address is the merchant)")
    .option('--chain <url>', 'Crust chain JSON-RPC', 'ws://127.0.0.1:9944')
    .option('--account-file <file>', "file holding the paying Crust account's secret URI")
    .option('--keystore <file>', 'the paying Crust account as a polkadot-js keystore file (or its address in the keystore folder)')
    .option('--password-file <file>', 'file holding the keystore password')
    .option('--ipfs-api <url>', 'IPFS API that pins ordered CIDs (none: no pinning)')
    .option('--confirmations <n>', "blocks an event's block needs, itself included", parseNonNegative, 3)
    .option('--poll <ms>', 'pause between looks at the EVM chain', parseDuration, 2000)
    .option('--from-block <n>', 'first block of the first scan (default: the head then)', parseNonNegative)
    .option('--data <dir>', 'folder of the event store', '.crust-order-node')
    .option('--host <ip>', 'listen address of the HTTP API', '127.0.0.1')
    .option('--port <port>', 'HTTP API port', parsePort, 12224)
    .option('--cru-eth-rate <cru>', 'CRU per ETH to keep on the price oracle (up to 5 decimals; none: the rate is left alone)', parseCruEthRate)
    .option('--price-interval <ms>', "pause between checks of the price oracle against Crust's storage price (0: never check)", parseInterval, 60_000)
    .option('--price-drift <percent>', 'how far an oracle price may drift before it is set again', parsePercent, 1)
    .action(async (opts: import('./commands/order-node.js').OrderNodeOptions) => {
      const { runOrderNode } = await import('./commands/order-node.js')
      await runOrderNode(opts)
    })
  orderNode
    .command('events [key]')
    .description("print the events' states (key: <chain id>/<tx hash>/<log index> prints one record)")
    .option('--api <url>', "the order node's HTTP API", 'http://127.0.0.1:12224')
    .action(async (key: string | undefined, opts: { api: string }) => {
      const { orderEventsCommand } = await import('./commands/order-node.js')
      await orderEventsCommand(key, opts, write)
    })

  program
    .command('node')
    .description('run a chain node, or with --mode a storage node (IPFS + sWorker + sManager + metrics)')
    .option('--base-path <dir>', 'data folder (default ~/.crust-ts/<chain>, or ~/.crust-ts/storage-node)')
    .option('--chain <spec>', 'dev, local, or a chain spec JSON file (storage node: run its own chain node of this network)', 'dev')
    .option('--rpc-port <port>', "JSON-RPC port (WebSocket + HTTP; a storage node's own chain node: a free one)", parsePort, 9944)
    .option('--rpc-external', 'listen for RPC on all interfaces, not only 127.0.0.1', false)
    .option('--rpc-cors <origins>', "browser origins the RPC serves: 'all' or a comma-separated list (default: localhost pages and polkadot.js apps)")
    .option('--console-port <port>', 'serve the web console on this port (a chain node adds its origin to --rpc-cors)', parsePort)
    .option('--block-time <ms>', 'block time in milliseconds', parseDuration, 6000)
    .option(
      '--pruning <blocks>',
      "states kept (storage node: by its own chain node): the last <blocks> finalized blocks' (default 256, as Substrate), or 'archive' for all",
      parsePruning,
    )
    .addOption(
      new Option(
        '--sync <mode>',
        "how a chain node with an empty database catches up with its peers: 'full' executes every block since genesis; 'state' proves a peer's finalized block final from genesis (justifications, voter set changes), downloads the state at it and executes only the blocks after it (needs a pruned database)",
      )
        .choices(['full', 'state'])
        .default('full'),
    )
    .option(
      '--metadata-version <version>',
      "metadata served from state_getMetadata: 14 (default), or 13 / 12 for @polkadot/api 4.x clients (Crust's mainnet UI, crust-pin)",
      parseMetadataVersion,
    )
    .option(
      '--signature-workers <n>',
      'worker threads that check batches of transaction signatures (sync responses, pushed transactions) beside the main thread (default: one per further core, at most 4; 0: none)',
      parseNonNegative,
    )
    .option(
      '--validator <suri>',
      "this node's authority key (multi-validator chains, e.g. --chain local --validator //Bob//stash; visible in ps: prefer --validator-file)",
    )
    .option('--validator-file <file>', "file holding this node's authority key (secret URI)")
    .option('--test-clock-offset-ms <ms>', "test only: the validator's clock is off by this many ms (slots, timestamps); refused on a live chain", parseInteger)
    .option('--p2p-port <port>', 'libp2p TCP port of the chain network', parsePort, 30333)
    .option('--p2p-host <ip>', 'libp2p listen address of the chain network', '0.0.0.0')
    .option('--p2p-announce <multiaddr...>', 'addresses peers are told to dial instead of the listen address (behind NAT or a proxy)')
    .option('--bootnodes <multiaddr...>', "chain peers to dial at start (storage node: its own chain node's, e.g. a validator's p2p address)")
    .addOption(new Option('--mode <mode>', 'run a storage node in this mode').choices(['isolation', 'member', 'owner']))
    .option('--config <file>', 'storage node: JSON config file (flags override it)')
    .option('--chain-rpc <url>', "storage node: a chain node's JSON-RPC to use (instead of its own chain node: --chain <spec> --bootnodes <validator>)")
    .option('--account <suri>', "storage node: the account's secret URI (dev: //Bob; visible in ps: prefer --account-file or --keystore)")
    .option('--account-file <file>', "storage node: file holding the account's secret URI")
    .option('--keystore <file>', 'storage node: a polkadot-js keystore JSON file for the account')
    .option('--password-file <file>', 'storage node: file holding the keystore password')
    .option('--owner <address>', 'storage node, member mode: the group owner')
    .option('--members <address...>', 'storage node, owner mode: accounts allowed into the group')
    .option('--ipfs-api-port <port>', 'storage node: IPFS API port (default 5001)', parsePort)
    .option('--gateway-port <port>', 'storage node: IPFS gateway port (default 8080)', parsePort)
    .option('--swarm-port <port>', 'storage node: libp2p TCP port (default 4001)', parsePort)
    .option('--swarm-host <ip>', 'storage node: libp2p listen address (default 0.0.0.0)')
    .option('--swarm-announce <multiaddr...>', 'storage node: swarm addresses peers are told to dial instead of the listen address')
    .option('--bootstrap <multiaddr...>', 'storage node: IPFS peers to dial at start')
    .option('--sworker-port <port>', 'storage node: sWorker API port (default 12222)', parsePort)
    .option('--smanager-port <port>', 'storage node: sManager API port (default 12223)', parsePort)
    .option('--metrics-port <port>', 'storage node: Prometheus /metrics port (default 9615)', parsePort)
    .option(
      '--status-cors <origins>',
      "storage node: browser origins that may read its status (GET /status on the metrics port, for the web console): 'all' or a comma-separated list (default: localhost pages)",
    )
    .option('--srd-units <n>', 'storage node: SRD units to declare at start', parseNonNegative)
    .option('--srd-unit <bytes>', 'storage node: SRD unit size in bytes (default 1 GiB)', parseNonNegative)
    .action(
      async (
        opts: {
          basePath?: string
          chain: string
          rpcPort: number
          rpcExternal: boolean
          rpcCors?: string
          consolePort?: number
          blockTime: number
          mode?: string
          validator?: string
          validatorFile?: string
          p2pPort: number
          p2pHost: string
          p2pAnnounce?: string[]
          bootnodes?: string[]
          pruning?: string
          metadataVersion?: MetadataVersion
          signatureWorkers?: number
          sync: 'full' | 'state'
          testClockOffsetMs?: number
        } & Omit<StorageNodeFlags, 'mode' | 'chain' | 'rpcPort' | 'blockTime'>,
        cmd: Command,
      ) => {
        if (opts.mode !== undefined) {
          // A storage node runs its own chain node only when told to (--chain or --bootnodes), so
          // the chain node's defaults (dev, 9944, 6000 ms) count only when given on the command line.
          const given = (name: string) => cmd.getOptionValueSource(name) === 'cli'
          const { runStorageNode } = await import('./commands/storage-node.js')
          const { chain, rpcPort, blockTime, rpcCors, pruning, metadataVersion, signatureWorkers, sync, testClockOffsetMs, ...rest } = opts
          if (testClockOffsetMs !== undefined) throw new CliError('CLI_ERROR_FLAG', '--test-clock-offset-ms is for a chain node (without --mode)')
          if (rpcCors !== undefined) throw new CliError('CLI_ERROR_FLAG', '--rpc-cors is for a chain node (without --mode) for now')
          if (metadataVersion !== undefined) throw new CliError('CLI_ERROR_FLAG', '--metadata-version is for a chain node (without --mode) for now')
          if (sync !== 'full') throw new CliError('CLI_ERROR_FLAG', '--sync is for a chain node (without --mode) for now')
          if (signatureWorkers !== undefined) throw new CliError('CLI_ERROR_FLAG', '--signature-workers is for a chain node (without --mode) for now')
          await runStorageNode({
            ...rest,
            mode: opts.mode,
            ...(given('chain') ? { chain } : {}),
            ...(given('rpcPort') ? { rpcPort } : {}),
            ...(given('blockTime') ? { blockTime } : {}),
            ...(pruning === undefined ? {} : { pruning }),
          })
          return
        }
        const { runNode } = await import('./commands/node.js')
        const { secretFromFlags } = await import('./commands/secret-file.js')
        const validator = secretFromFlags(opts.validator, opts.validatorFile, '--validator')
        await runNode({
          ...(validator === undefined ? {} : { validator }),
          p2pPort: opts.p2pPort,
          p2pHost: opts.p2pHost,
          ...(opts.p2pAnnounce === undefined ? {} : { p2pAnnounce: opts.p2pAnnounce }),
          ...(opts.bootnodes === undefined ? {} : { bootnodes: opts.bootnodes }),
          chain: opts.chain,
          rpcPort: opts.rpcPort,
          rpcExternal: opts.rpcExternal,
          ...(opts.rpcCors === undefined ? {} : { rpcCors: opts.rpcCors }),
          ...(opts.consolePort === undefined ? {} : { consolePort: opts.consolePort }),
          blockTimeMs: opts.blockTime,
          ...(opts.pruning === undefined ? {} : { pruning: opts.pruning }),
          ...(opts.metadataVersion === undefined ? {} : { metadataVersion: opts.metadataVersion }),
          ...(opts.signatureWorkers === undefined ? {} : { signatureWorkers: opts.signatureWorkers }),
          sync: opts.sync,
          ...(opts.testClockOffsetMs === undefined ? {} : { testClockOffsetMs: opts.testClockOffsetMs }),
          ...(opts.basePath === undefined ? {} : { basePath: opts.basePath }),
        })
      },
    )

  program
    .command('gateway')
    .description('run the W3Auth gateway (IPFS API behind web3 signatures) and the pinning service that places storage orders')
    .option('--ipfs-api <url>', "the node's IPFS API", DEFAULT_API)
    .option('--ipfs-gateway <url>', "the node's read gateway", 'http://127.0.0.1:8080')
    .option('--chain <url>', 'chain JSON-RPC', 'ws://127.0.0.1:9944')
    .option('--account <suri>', 'secret URI of the funded service account that pays for orders (visible in ps: prefer --account-file or --keystore)')
    .option('--account-file <file>', "file holding the service account's secret URI")
    .option('--keystore <file>', 'the service account as a polkadot-js keystore file')
    .option('--password-file <file>', 'file holding the keystore password')
    .option('--data <dir>', 'folder of the embedded pin store', '.crust-gateway')
    .option('--pg-url <url>', 'keep pins in PostgreSQL instead (postgres://user:pass@host:port/db; visible in ps: prefer --pg-url-file)')
    .option('--pg-url-file <file>', 'file holding the PostgreSQL URL')
    .option('--host <ip>', 'listen address of both servers', '127.0.0.1')
    .option('--port <port>', 'W3Auth gateway port', parsePort, 5050)
    .option('--psa-port <port>', 'pinning service port (API under /psa)', parsePort, 3000)
    .option('--replicas <n>', 'reported replicas before a pin is "pinned"', parseNonNegative, 3)
    .option('--unlimited', 'no upload quota and no rate limit on the W3Auth gateway (a private gateway)')
    .option('--rate-burst <n>', 'requests an idle account may send at once (default 100)', parseNonNegative)
    .option('--pin-max-bytes <bytes>', "largest DAG a tenant's pin/add may fetch (default 8 GiB)", parseNonNegative)
    .addOption(new Option('--psa-access <mode>', 'who may pin: every W3Auth identity (within limits) or --psa-allow accounts').choices(['open', 'allowlist']))
    .option('--psa-allow <account...>', 'pinning service accounts allowed (<chainType>-<address> or the address)')
    .option('--psa-pins-per-day <n>', 'pins one account may request per day (default 1000)', parseNonNegative)
    .option('--psa-max-pending <n>', 'pins of one account waiting for their order at once (default 200)', parseNonNegative)
    .option('--psa-bytes-per-day <bytes>', "bytes the node may fetch for one account's pins per day (default 32 GiB)", parseNonNegative)
    .option('--psa-cru-per-day <cru>', "CRU the service account may pay for one account's orders per day (default 10)")
    .option('--psa-fetches <n>', "one account's pins fetched at once (default 4)", parseNonNegative)
    .option('--psa-max-pin-bytes <bytes>', 'fetch budget of one pin; a larger DAG is refused (default 8 GiB - 1)', parseNonNegative)
    .option('--psa-fetch-timeout <ms>', 'deadline of fetching one pin (default 600000)', parseDuration)
    .option(
      '--psa-dial-private',
      "let the node dial pins' origins on loopback, private, link-local addresses and DNS names (off: public IPs only; for a private network)",
    )
    .option('--quota <bytes>', 'upload bytes per account per day', parseNonNegative)
    .option('--rate <n>', 'requests per second per account', parseNonNegative)
    .option('--max-request-bytes <bytes>', "largest request body on /api/v0/* (default 8 GiB, the market's largest file)", parseNonNegative)
    .option('--console-port <port>', 'serve the web console on this port (uploads through this gateway)', parsePort)
    .action(async (opts: import('./commands/gateway.js').GatewayCommandOptions) => {
      const { runGatewayCommand } = await import('./commands/gateway.js')
      await runGatewayCommand(opts)
    })

  const ipfs = program.command('ipfs').description('IPFS: a node (daemon) and a client of its Kubo-compatible API')
  const api = () => new Option('--api <url>', 'the node API to talk to').default(DEFAULT_API)
  ipfs
    .command('daemon')
    .description('run an IPFS node with its Kubo-compatible API and gateway')
    .option('--repo <dir>', 'repo folder (default ~/.crust-ts/ipfs)')
    .option('--api-port <port>', 'Kubo RPC API port (127.0.0.1)', parsePort, 5001)
    .option('--gateway-port <port>', 'gateway port (127.0.0.1)', parsePort, 8080)
    .option('--swarm-port <port>', 'libp2p TCP port', parsePort, 4001)
    .option('--bootstrap <multiaddr...>', 'peers to dial at start')
    .option('--dht', 'join the Kademlia DHT (off for dev networks)', false)
    .option('--fetch-timeout <ms>', 'how long to wait for a block from peers', parseDuration, 60_000)
    .option('--chain <ws-url>', "a chain node's RPC: fetch a CID from the storage nodes the chain says hold it, before other peers")
    .action(async (opts: IpfsDaemonOptions) => {
      const { runIpfsDaemon } = await import('./commands/ipfs-daemon.js')
      await runIpfsDaemon(opts)
    })
  ipfs
    .command('add')
    .description('add files or directories, printing their CIDs (as "ipfs add")')
    .argument('<paths...>', 'files or directories')
    .addOption(api())
    .option('-r, --recursive', 'add directories recursively', false)
    .option('--cid-version <n>', 'CID version (0 or 1; 1 implies raw leaves)', parseCidVersion, 0)
    .option('--raw-leaves', 'use raw blocks for leaf nodes')
    .option('--chunker <chunker>', 'chunking algorithm, e.g. size-262144')
    .option('--no-pin', 'do not pin what is added')
    .option('-n, --only-hash', 'only compute the CIDs, store nothing', false)
    .option('-w, --wrap-with-directory', 'wrap the files in a directory', false)
    .option('-Q, --quiet', 'print only the CIDs', false)
    .action(async (paths: string[], opts: Omit<AddCommandOptions, 'progress'>) => {
      const { addCommand } = await import('./commands/ipfs-client.js')
      await addCommand(paths, { ...opts, progress: process.stderr.isTTY === true }, write)
    })
  ipfs
    .command('cat')
    .description('print the contents of a file (as "ipfs cat")')
    .argument('<cid>', 'CID or /ipfs/ path')
    .addOption(api())
    .option('--offset <bytes>', 'byte offset to start at', parseNonNegative)
    .option('--length <bytes>', 'maximum number of bytes', parseNonNegative)
    .action(async (cid: string, opts: { api: string; offset?: number; length?: number }) => {
      const { catCommand } = await import('./commands/ipfs-client.js')
      await catCommand(cid, opts, process.stdout)
    })
  const pin = ipfs.command('pin').description('pin and unpin content')
  for (const action of ['add', 'rm', 'ls'] as const) {
    pin
      .command(action)
      .argument(action === 'ls' ? '[cids...]' : '<cids...>', 'CIDs')
      .addOption(api())
      .option('--no-recursive', 'pin only the root block')
      .action(async (cids: string[], opts: { api: string; recursive: boolean }) => {
        const { pinCommand } = await import('./commands/ipfs-client.js')
        await pinCommand(action, cids ?? [], opts, write)
      })
  }

  const sworker = program.command('sworker').description('run an sWorker, or talk to a running one')
  sworker
    .command('run', { isDefault: true })
    .description('run an sWorker against a chain RPC and an IPFS API')
    .option('--data <dir>', 'data folder (identity, sealed files, SRD)', '.crust-sworker')
    .option('--chain <url>', 'chain JSON-RPC', 'ws://127.0.0.1:9944')
    .option('--ipfs <url>', 'IPFS (Kubo-compatible) API', DEFAULT_API)
    .option('--account <suri>', "the node account's secret URI (on the dev chain default //Bob; visible in ps: prefer --account-file or --keystore)")
    .option('--account-file <file>', "file holding the node account's secret URI")
    .option('--keystore <file>', 'the node account as a polkadot-js keystore file')
    .option('--password-file <file>', 'file holding the keystore password')
    .option('--api-port <port>', 'sWorker API port (127.0.0.1)', parsePort, 12222)
    .option('--srd-unit <bytes>', 'SRD unit size in bytes', parseNonNegative, 1024 ** 3)
    .action(async (opts: import('./commands/sworker.js').SworkerOptions) => {
      const { runSworkerCommand } = await import('./commands/sworker.js')
      await runSworkerCommand(opts)
    })
  const sworkerApi = () => new Option('--api <url>', 'the sWorker API').default('http://127.0.0.1:12222')
  sworker
    .command('workload')
    .description("print the sWorker's workload")
    .addOption(sworkerApi())
    .action(async (opts: { api: string }) => {
      const { sworkerRequest } = await import('./commands/sworker.js')
      write(await sworkerRequest(opts.api, 'GET', '/workload'))
    })
  sworker
    .command('srd')
    .description('add (positive) or remove (negative) SRD units')
    .argument('<units>', 'units to add or remove')
    .addOption(sworkerApi())
    .option('--data <dir>', "the sWorker's data folder, whose api-token file authorises the change", '.crust-sworker')
    .option('--token-file <file>', 'the sWorker API token file (default: <data>/api-token)')
    .action(async (units: string, opts: { api: string; data: string; tokenFile?: string }) => {
      const change = Number(units)
      if (!Number.isSafeInteger(change) || change === 0) throw new CliError('CLI_ERROR_BAD_SRD', 'units: expected a non-zero integer')
      const { sworkerRequest, sworkerTokenFile } = await import('./commands/sworker.js')
      write(await sworkerRequest(opts.api, 'POST', '/srd/change', { change }, sworkerTokenFile(opts)))
    })
  sworker
    .command('file-info')
    .description("print a sealed file's state")
    .argument('<cid>', 'CID')
    .addOption(sworkerApi())
    .action(async (cid: string, opts: { api: string }) => {
      const { sworkerRequest } = await import('./commands/sworker.js')
      write(await sworkerRequest(opts.api, 'GET', `/file/info?cid=${encodeURIComponent(cid)}`))
    })

  const key = program.command('key').description('generate and inspect account keys (SS58 prefix 66)')
  key
    .command('generate')
    .description('make a new secret phrase and print its account')
    .option('--scheme <scheme>', 'sr25519, ed25519 or ecdsa', parseScheme, 'sr25519')
    .option('--output-type <type>', 'text or json', 'text')
    .action(async (opts: { scheme: ReturnType<typeof parseScheme>; outputType: string }) => {
      const { generateKey } = await import('./commands/key.js')
      write(formatKey(await generateKey(opts.scheme), opts.outputType))
    })
  key
    .command('inspect')
    .description('print the account of a secret URI (mnemonic, 0x seed or //Name)')
    .argument('<suri>', 'secret URI')
    .option('--scheme <scheme>', 'sr25519, ed25519 or ecdsa', parseScheme, 'sr25519')
    .option('--output-type <type>', 'text or json', 'text')
    .action(async (suri: string, opts: { scheme: ReturnType<typeof parseScheme>; outputType: string }) => {
      const { inspectKey } = await import('./commands/key.js')
      write(formatKey(await inspectKey(suri, opts.scheme), opts.outputType))
    })
  registerKeystoreCommands(key, write)
  registerStorageCommands(program, write)
  return program
}

function formatKey(info: KeyInfo, outputType: string): string {
  if (outputType === 'json') return `${JSON.stringify(info, null, 2)}\n`
  if (outputType !== 'text') throw new CliError('CLI_ERROR_BAD_OUTPUT_TYPE', `unknown output type "${outputType}": use text or json`)
  const lines = [
    ...(info.secretPhrase === undefined ? [] : [`Secret phrase:       ${info.secretPhrase}`]),
    `Secret URI:          ${info.suri}`,
    `Key scheme:          ${info.scheme}`,
    `Public key (hex):    ${info.publicKey}`,
    `Account ID:          ${info.accountId}`,
    `SS58 Address:        ${info.ss58Address}`,
  ]
  return `${lines.join('\n')}\n`
}

/** Runs the CLI; returns the process exit code. Errors become one readable line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1
    process.stderr.write(errorLine(err))
    return 1
  }
}
