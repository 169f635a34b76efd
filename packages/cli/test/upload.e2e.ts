/**
 * `crust upload`, `crust status`, `crust prepaid` and `crust key import|export` as real child
 * processes against a real `crust node` and a real `crust ipfs daemon` (no storage nodes: orders
 * are placed with --no-wait, or time out waiting for replicas).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { type CliRun, type IpfsProcess, runCrust, startIpfsDaemon } from './fixtures/ipfs-process.js'
import { connectApi, makeBasePath, type NodeProcess, startNode } from '@crust-ts/testkit'

const CRU = 10n ** 12n

type FileJson = { fileSize: number; prepaid: number | string; reportedReplicaCount: number; expiredAt: number }

/** The value of a `name  value` line of the command's output. */
function field(out: string, name: string): string {
  const line = out.split('\n').find((l) => l.startsWith(`${name} `))
  assert.ok(line !== undefined, `no "${name}" line in:\n${out}`)
  return line.slice(name.length).trim()
}

/** Exit code 1 and exactly one `error: … (CODE)` line, the last one on stderr. */
function assertOneError(run: CliRun, code: string): string {
  assert.equal(run.code, 1, `exit code, stderr:\n${run.stderr}`)
  const lines = run.stderr.trimEnd().split('\n')
  const errors = lines.filter((l) => l.startsWith('error:'))
  assert.equal(errors.length, 1, run.stderr)
  assert.equal(lines.at(-1), errors[0])
  assert.ok(errors[0]!.endsWith(`(${code})`), errors[0])
  return errors[0]!
}

describe('crust upload, status, prepaid, key import/export', () => {
  const base = makeBasePath()
  let node: NodeProcess
  let ipfs: IpfsProcess
  let api: ApiPromise
  let kubo: KuboRPCClient
  let chainArgs: string[]
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })

  before(async () => {
    await cryptoWaitReady()
    ;[node, ipfs] = await Promise.all([startNode(join(base.path, 'chain')), startIpfsDaemon(join(base.path, 'ipfs'))])
    api = await connectApi(node.url)
    kubo = create({ url: ipfs.api })
    chainArgs = ['--chain', node.url, '--api', ipfs.api, '--gateway', ipfs.gateway]
  })

  after(async () => {
    await api?.disconnect()
    for (const p of [node, ipfs]) p?.child.kill('SIGTERM')
    await Promise.all([node?.exited, ipfs?.exited])
    base.remove()
  })

  const order = async (cid: string) => (await api.query.market!.filesV2!(cid)).toJSON() as FileJson | null
  const keysCount = async () => Number((await api.query.market!.fileKeysCount!()).toString())
  const cumulativeSize = async (cid: string) => Number((await kubo.files.stat(`/ipfs/${cid}`)).cumulativeSize)

  it('behavior: a 5 MiB file is added and ordered with its cumulative size; status shows the order', async () => {
    const file = join(base.path, 'random.bin')
    writeFileSync(file, randomBytes(5 * 1024 * 1024))
    const run = await runCrust(['upload', file, ...chainArgs, '--no-wait'])
    assert.equal(run.code, 0, run.stderr)
    const cid = field(run.stdout, 'cid')
    const size = await cumulativeSize(cid)
    assert.ok(size > 5 * 1024 * 1024)
    const onChain = await order(cid)
    assert.ok(onChain !== null, 'the order is on chain')
    assert.equal(onChain.fileSize, size)
    assert.match(field(run.stdout, 'size'), new RegExp(`^${size} bytes`))
    assert.match(field(run.stdout, 'fee'), /^0\.\d+ CRU \(order 0\.\d+ \+ transaction 0\.\d+\)$/)
    assert.equal(field(run.stdout, 'gateway'), `${ipfs.gateway}/ipfs/${cid}`)
    assert.ok(!run.stderr.includes('error'), run.stderr)

    const status = await runCrust(['status', cid, '--chain', node.url])
    assert.equal(status.code, 0, status.stderr)
    assert.match(field(status.stdout, 'size'), new RegExp(`^${size} bytes`))
    assert.match(field(status.stdout, 'replicas'), /^0 reported of 0/)
    assert.match(field(status.stdout, 'expires'), /^pending/)
    const json = await runCrust(['status', cid, '--chain', node.url, '--json'])
    assert.equal(json.code, 0, json.stderr)
    const parsed = JSON.parse(json.stdout) as { fileSize: string; prepaid: string; replicas: unknown[] }
    assert.equal(parsed.fileSize, String(size))
    assert.deepEqual(parsed.replicas, [])

    const prepaid = await runCrust(['prepaid', cid, '1.5', '--chain', node.url])
    assert.equal(prepaid.code, 0, prepaid.stderr)
    assert.equal(field(prepaid.stdout, 'prepaid'), '1.5 CRU')
    assert.equal(BigInt((await order(cid))!.prepaid), (3n * CRU) / 2n)
    const after = JSON.parse((await runCrust(['status', cid, '--chain', node.url, '--json'])).stdout) as { prepaid: string }
    assert.equal(after.prepaid, String((3n * CRU) / 2n))
  })

  it('behavior: a folder is ordered as one directory whose index.html the gateway serves; paid from an imported keystore', async () => {
    const site = join(base.path, 'site')
    mkdirSync(join(site, 'img'), { recursive: true })
    writeFileSync(join(site, 'index.html'), '<!doctype html><h1>stored on crust</h1>')
    writeFileSync(join(site, 'img', 'logo.bin'), randomBytes(300_000))
    const keystoreDir = join(base.path, 'keystore')
    const passwordFile = join(base.path, 'password')
    writeFileSync(passwordFile, 'upload e2e\n')
    const imported = await runCrust(['key', 'import', '--suri', '//Dave', '--password-file', passwordFile, '--keystore-dir', keystoreDir])
    assert.equal(imported.code, 0, imported.stderr)
    const dave = keyring.addFromUri('//Dave').address
    assert.match(imported.stdout, new RegExp(`^imported ${dave} into `))
    assert.ok(!imported.stdout.includes('//Dave'), 'the secret URI is not printed')
    assert.equal(statSync(join(keystoreDir, `${dave}.json`)).mode & 0o777, 0o600)

    const nonceBefore = Number((await api.rpc.system.accountNextIndex(dave)).toString())
    const run = await runCrust(['upload', site, ...chainArgs, '--no-wait', '--keystore', dave, '--keystore-dir', keystoreDir, '--password-file', passwordFile])
    assert.equal(run.code, 0, run.stderr)
    const cid = field(run.stdout, 'cid')
    assert.equal(field(run.stdout, 'gateway'), `${ipfs.gateway}/ipfs/${cid}/`)
    assert.equal((await order(cid))!.fileSize, await cumulativeSize(cid))
    assert.equal(Number((await api.rpc.system.accountNextIndex(dave)).toString()), nonceBefore + 1, 'Dave paid')
    const page = await fetch(`${ipfs.gateway}/ipfs/${cid}/`)
    assert.equal(page.status, 200)
    assert.equal(await page.text(), '<!doctype html><h1>stored on crust</h1>')

    // The exported keystore is the polkadot-js JSON of the same account, under the same password.
    const exported = await runCrust(['key', 'export', dave, '--password-file', passwordFile, '--keystore-dir', keystoreDir])
    assert.equal(exported.code, 0, exported.stderr)
    const pair = keyring.addFromJson(JSON.parse(exported.stdout))
    pair.decodePkcs8('upload e2e')
    assert.equal(pair.address, dave)
    const wrong = join(base.path, 'wrong-password')
    writeFileSync(wrong, 'not it\n')
    assertOneError(await runCrust(['key', 'export', dave, '--password-file', wrong, '--keystore-dir', keystoreDir]), 'SDK_ERROR_BAD_PASSWORD')
    assertOneError(
      await runCrust(['upload', site, ...chainArgs, '--no-wait', '--keystore', dave, '--keystore-dir', keystoreDir, '--password-file', wrong]),
      'SDK_ERROR_BAD_PASSWORD',
    )
  })

  it('behavior: waiting for replicas that never come ends with a timeout; the order stands', async () => {
    const file = join(base.path, 'small.txt')
    writeFileSync(file, `no storage nodes here ${Date.now()}\n`)
    const run = await runCrust(['upload', file, ...chainArgs, '--replicas', '1', '--timeout', '1500'])
    const line = assertOneError(run, 'SDK_ERROR_REPLICA_TIMEOUT')
    assert.match(line, /0 of 1 replicas reported/)
    assert.match(line, /the order stands/)
    const cid = field(run.stdout, 'cid')
    assert.ok((await order(cid)) !== null)
  })

  it('error: bad inputs exit 1 with one error line and place no order', async () => {
    const before = await keysCount()
    // 8 GiB (sparse): refused before anything is added or sent, naming the limit.
    const huge = join(base.path, 'huge.bin')
    writeFileSync(huge, '')
    truncateSync(huge, 8 * 1024 ** 3)
    // A fresh account has nothing: refused before the upload, naming the account.
    const phrase = mnemonicGenerate(12)
    const poor = keyring.addFromUri(phrase).address
    const small = join(base.path, 'poor.bin')
    writeFileSync(small, randomBytes(10_000))
    const unknownCid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    // Independent invocations, run at once: each is a whole CLI start.
    const [missing, badCid, badPrepaidCid, unknown, unknownPrepaid, badAmount, tooLarge, unfunded, noChain] = await Promise.all([
      runCrust(['upload', join(base.path, 'does-not-exist'), ...chainArgs]),
      runCrust(['status', 'not-a-cid', '--chain', node.url]),
      runCrust(['prepaid', 'Qm-nope', '1', '--chain', node.url]),
      runCrust(['status', unknownCid, '--chain', node.url]),
      runCrust(['prepaid', unknownCid, '1', '--chain', node.url]),
      runCrust(['prepaid', unknownCid, '1.0000000000001', '--chain', node.url]),
      runCrust(['upload', huge, ...chainArgs]),
      runCrust(['upload', small, ...chainArgs, '--account', phrase]),
      // No chain node at the URL.
      runCrust(['status', unknownCid, '--chain', 'ws://127.0.0.1:1']),
    ])
    assertOneError(missing, 'SDK_ERROR_NO_SUCH_FILE')
    assert.equal(missing.stderr.trimEnd().split('\n').length, 1)
    assertOneError(badCid, 'SDK_ERROR_BAD_CID')
    assertOneError(badPrepaidCid, 'SDK_ERROR_BAD_CID')
    assert.match(assertOneError(unknown, 'SDK_ERROR_NO_ORDER'), /no storage order for QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o/)
    assertOneError(unknownPrepaid, 'SDK_ERROR_NO_ORDER')
    assertOneError(badAmount, 'SDK_ERROR_BAD_AMOUNT')
    assert.match(assertOneError(tooLarge, 'SDK_ERROR_FILE_TOO_LARGE'), /below 8589934592 bytes \(8 GiB\)/)
    const line = assertOneError(unfunded, 'SDK_ERROR_NO_FUNDS')
    assert.ok(line.includes(poor), line)
    assert.ok(!unfunded.stderr.includes(phrase), 'the phrase is not echoed')
    assert.equal(Number((await api.rpc.system.accountNextIndex(poor)).toString()), 0)
    assertOneError(noChain, 'SDK_ERROR_NO_CHAIN')

    assert.equal(await keysCount(), before, 'no order was placed')
  })
})
