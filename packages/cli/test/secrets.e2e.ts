/**
 * Secrets and defaults (issue #16, item 7) with real `crust` processes: a validator mnemonic never
 * reaches the logs, `--validator-file` keeps it off the command line, and commands that sign take
 * no dev-key default outside the dev chain (one line, exit 1).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto'
import { CLI_BIN, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'

/**
 * Runs `crust ...args` to its end. Asynchronous on purpose: the fake chain answers from this very
 * process, which a synchronous spawn would block until the CLI's chain check timed out.
 */
function crust(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })))
}

/** A JSON-RPC endpoint that answers `system_chainType` with `chainType` (a chain that is not dev). */
async function fakeChain(chainType: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString()
    })
    req.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify(
          method === 'system_chainType' ? { jsonrpc: '2.0', id, result: chainType } : { jsonrpc: '2.0', id, error: { code: -32601, message: 'no' } },
        ),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `ws://127.0.0.1:${port}`, server }
}

/** Every log line of a `crust node` (stdout JSON and stderr) as one text. */
function allOutput(node: NodeProcess): string {
  return node.logs.join('\n')
}

async function stop(node: NodeProcess): Promise<void> {
  node.child.kill('SIGTERM')
  await node.exited
}

/** Starts a chain node on the p2p network (loopback, free port) with `args`, ready once it logged its validator. */
async function startValidator(basePath: string, args: string[]): Promise<{ node: NodeProcess; validator: unknown }> {
  const node = await startNode(basePath, ['--p2p-port', '0', '--p2p-host', '127.0.0.1', ...args])
  const validator = await waitFor(
    async () => {
      for (const line of node.logs) {
        try {
          const entry = JSON.parse(line) as { msg?: string; validator?: unknown }
          if (entry.msg?.startsWith('on the p2p network') === true) return { value: entry.validator }
        } catch {
          // not a log line
        }
      }
      return undefined
    },
    'the p2p network log line',
    60_000,
  )
  return { node, validator: validator.value }
}

describe('secrets: crust node --validator', () => {
  let mnemonic: string
  let address: string

  before(async () => {
    await cryptoWaitReady()
    mnemonic = mnemonicGenerate(12)
    address = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri(mnemonic).address
  })

  it('behavior: the logs of crust node --validator <mnemonic> do not contain the mnemonic, only its address', async () => {
    const base = makeBasePath()
    const { node, validator } = await startValidator(base.path, ['--validator', mnemonic])
    try {
      assert.equal(validator, address)
      const words = mnemonic.split(' ')
      const logs = allOutput(node)
      assert.ok(!logs.includes(mnemonic), 'the mnemonic is not logged')
      for (let i = 0; i + 1 < words.length; i++)
        assert.ok(!logs.includes(`${words[i]} ${words[i + 1]}`), `no two consecutive words of the mnemonic are logged: ${words[i]} ${words[i + 1]}`)
    } finally {
      await stop(node)
      base.remove()
    }
  })

  it('behavior: --validator-file reads the key from a file, not the command line', async () => {
    const base = makeBasePath()
    const file = join(base.path, 'validator.key')
    writeFileSync(file, `${mnemonic}\n`, { mode: 0o600 })
    const { node, validator } = await startValidator(join(base.path, 'node'), ['--validator-file', file])
    try {
      assert.equal(validator, address, 'the key in the file is the validator')
      // Word by word, not by substring: a single word ("check", "work", "age") can be part of any path.
      const words = new Set(mnemonic.split(' '))
      const args = node.child.spawnargs
      assert.ok(!args.some((arg) => arg.includes(mnemonic)), 'the phrase is not in the arguments')
      assert.ok(
        !args.some((arg) => words.has(arg) || arg.split(/[\s=]/).some((part) => words.has(part))),
        `no word of the key is an argument: ${args.join(' ')}`,
      )
      assert.ok(!allOutput(node).includes(mnemonic))
    } finally {
      await stop(node)
      base.remove()
    }
  })

  it('error: --validator with --validator-file, or an unreadable file, is one line and exit 1', async () => {
    const both = await crust(['node', '--rpc-port', '0', '--validator', '//Alice', '--validator-file', '/nonexistent/validator.key'])
    assert.equal(both.status, 1)
    assert.match(both.stderr, /^error: give either --validator or --validator-file, not both \(CLI_ERROR_SECRET_FLAGS\)\n$/)
    const missing = await crust(['node', '--rpc-port', '0', '--validator-file', '/nonexistent/validator.key'])
    assert.equal(missing.status, 1)
    assert.match(missing.stderr, /^error: --validator-file: cannot read \/nonexistent\/validator\.key \(ENOENT\) \(CLI_ERROR_SECRET_FILE\)\n$/)
  })
})

describe('secrets: no dev-key defaults outside the dev chain', () => {
  let live: { url: string; server: Server }

  before(async () => {
    live = await fakeChain('Live')
  })
  after(() => {
    live?.server.close()
  })

  it('error: crust sworker run with no account on a live chain exits 1 with one line naming the flag', async () => {
    const base = makeBasePath()
    try {
      const { status, stdout, stderr } = await crust(['sworker', 'run', '--chain', live.url, '--data', join(base.path, 'sworker'), '--api-port', '0'])
      assert.equal(status, 1)
      assert.equal(stdout, '')
      assert.equal(stderr.split('\n').filter((l) => l !== '').length, 1, stderr)
      assert.match(stderr, /^error: no node account: pass --account-file <file> .*\/\/Bob is the default only on the dev chain.* \(CLI_ERROR_NO_ACCOUNT\)\n$/)
    } finally {
      base.remove()
    }
  })

  it('error: an unreachable chain is not the dev chain either', async () => {
    const r = await crust(['sworker', 'run', '--chain', 'ws://127.0.0.1:1', '--api-port', '0'])
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^error: no node account: pass --account-file/)
  })

  it('error: crust prepaid with no account on a live chain does not sign as //Alice', async () => {
    const r = await crust(['prepaid', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '1', '--chain', live.url])
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^error: no paying account: pass --account-file <file> .*\/\/Alice is the default only on the dev chain \(CLI_ERROR_NO_ACCOUNT\)\n$/)
  })

  it('behavior: crust sworker run --account-file takes the account from the file (a bad one is refused without echoing it)', async () => {
    const base = makeBasePath()
    try {
      const file = join(base.path, 'account')
      writeFileSync(file, 'not a secret phrase at all\n', { mode: 0o600 })
      const r = await crust(['sworker', 'run', '--chain', live.url, '--account-file', file, '--api-port', '0'])
      assert.equal(r.status, 1)
      assert.ok(!r.stderr.includes('not a secret phrase'), r.stderr)
      assert.match(r.stderr, /secret URI/)
    } finally {
      base.remove()
    }
  })
})
