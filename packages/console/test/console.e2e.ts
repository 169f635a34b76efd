/**
 * The console in real Chromium against one real `crust dev` (a validator, three storage nodes, the
 * W3Auth gateway, the EVM dev node and its order node, the console it serves): the Chain page follows finality, a transfer made in the
 * page moves funds on chain, a file uploaded from the Files page reaches three reported replicas
 * and comes back from the gateway, a folder uploaded from it gets the CID `crust upload` gives the
 * same folder and is listed as a folder, prepaid added from the list reaches the order (and bad
 * amounts are refused in words), the Nodes page lists the three storage nodes with fresh reports
 * (and what each node's status endpoint says it sealed) and charts whose points are the chain's values at their blocks, a file paid from an EVM dev account
 * through the storage-order contract is ordered on Crust by the order node, the Staking page bonds, guarantees
 * and unbonds, and without dev accounts or a wallet the page says how to connect one. Screenshots go to
 * packages/console/screenshots with CRUST_UPDATE_SCREENSHOTS=1, else to a temporary folder.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { SignerPayloadJSON } from '@polkadot/types/types'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { addToIpfs } from '@crust-ts/sdk'
import type { Browser, Page } from 'playwright-core'
import { alive, connectApi, type DevProcess, makeBasePath, devArgs, startDev, waitFor, writeDevSpec } from '@crust-ts/testkit'
import { ConsoleServer } from '../src/index.js'
import { launchChromium } from './browser.js'
import { blockEvidence } from './chain-evidence.js'

/**
 * The README's screenshots are refreshed only on request (CRUST_UPDATE_SCREENSHOTS=1); other runs
 * write theirs to a temporary folder, so a test run leaves the work tree as it was.
 */
const SHOTS =
  process.env.CRUST_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../screenshots/', import.meta.url))
    : mkdtempSync(join(tmpdir(), 'crust-console-shots-'))
const REPORT_SLOT = 10
/** Generous: this many ms of a loaded 2-core machine, never a pass/fail limit of speed. */
const LONG = 240_000

async function freeBalance(api: ApiPromise, address: string): Promise<bigint> {
  return ((await api.query.system!.account!(address)) as unknown as { data: { free: { toBigInt(): bigint } } }).data.free.toBigInt()
}

/** Waits until the number shown under `testid` passes `ok` (it reads `…` until the first value arrives). */
function shownNumber(page: Page, testid: string, ok: (n: number) => boolean = () => true): Promise<number> {
  return waitFor(
    async () => {
      const text = (await page.getByTestId(testid).textContent({ timeout: LONG })) ?? ''
      return /^\d+$/.test(text) && ok(Number(text)) ? Number(text) : undefined
    },
    `${testid} in the page`,
    LONG,
  )
}

/** Sends `amount` CRU from `from` to `to` with the Chain page's transfer form; its final status text (ok or error). */
async function sendFromChainPage(page: Page, from: string, to: string, amount: string): Promise<string> {
  await page.getByTestId('account').selectOption(from)
  await page.getByLabel('Recipient address').fill(to)
  await page.getByLabel('Amount (CRU)').fill(amount)
  await page.getByTestId('balance-to').and(page.locator('[data-plancks]')).waitFor({ timeout: LONG })
  await page.getByRole('button', { name: 'Send' }).click()
  // The status ends as ok or error; a failure shows its own reason here rather than a timeout.
  const status = page.getByTestId('transfer-status')
  await page
    .locator('[data-testid="transfer-status"].ok, [data-testid="transfer-status"].error')
    .waitFor({ timeout: LONG })
    .catch(async (err: Error) => {
      throw new Error(`the transfer did not end; its status reads "${await status.textContent()}": ${err.message}`)
    })
  return (await status.textContent()) ?? ''
}

/** Waits for `testid` or an alert; an alert fails the test with what the page says. */
async function settled(page: Page, testid: string): Promise<void> {
  await page.locator(`[data-testid="${testid}"], [role="alert"]`).first().waitFor({ timeout: LONG })
  const alert = page.getByRole('alert')
  if ((await alert.count()) > 0) assert.fail(`the page says: ${await alert.first().textContent()}`)
}

describe('web console in Chromium', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise
  let browser: Browser
  let url: string

  before(async () => {
    // The browser first: a machine that cannot run it fails here, before the network is built.
    browser = await launchChromium()
    await cryptoWaitReady()
    mkdirSync(SHOTS, { recursive: true })
    const spec = writeDevSpec(base.path, { reportSlot: REPORT_SLOT, fileDuration: 600, eraLength: 6 * REPORT_SLOT })
    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 3, srdUnits: 2, srdUnit: 16 * 1024 * 1024, console: true, evm: true }))
    assert.ok(dev.console !== undefined, 'crust dev names its console in network.json')
    url = dev.console
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await browser?.close()
    await api?.disconnect()
    if (dev !== undefined) {
      await dev.stop()
      for (const n of dev.nodes) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL')
    }
    base.remove()
  })

  it('behavior: the Chain page shows finality advancing', async () => {
    const page = await browser.newPage()
    await page.goto(`${url}#/chain`)
    const first = await shownNumber(page, 'finalized-number')
    // Finality moves on in the page; the best block (its own subscription) reaches it too.
    const finalized = await shownNumber(page, 'finalized-number', (n) => n > first)
    const best = await shownNumber(page, 'best-number', (n) => n >= finalized)
    assert.ok(finalized > first && best >= finalized, `finalized ${first} -> ${finalized}, best ${best}`)
    // A block's extrinsics and events: every block has the timestamp inherent and its event.
    await page
      .getByRole('button', { name: /^Show block/ })
      .first()
      .click()
    const detail = page.getByTestId('block-detail')
    await detail.getByText('timestamp.set').waitFor({ timeout: LONG })
    await detail.getByText('system.ExtrinsicSuccess').first().waitFor({ timeout: LONG })
    await page.screenshot({ path: join(SHOTS, 'chain.png'), fullPage: true })
    await page.close()
  })

  it('behavior: a transfer made in the console changes both balances on chain', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const alice = keyring.addFromUri('//Alice').address
    const ferdie = keyring.addFromUri('//Ferdie').address
    const [aliceBefore, ferdieBefore] = await Promise.all([freeBalance(api, alice), freeBalance(api, ferdie)])
    const page = await browser.newPage()
    await page.goto(`${url}#/chain`)
    const statusText = await sendFromChainPage(page, alice, ferdie, '1.5')
    assert.match(statusText, /included in block #\d+/)
    const amount = 1_500_000_000_000n
    const ferdieAfter = ferdieBefore + amount
    assert.equal(await freeBalance(api, ferdie), ferdieAfter, 'Ferdie got exactly 1.5 CRU')
    const aliceAfter = await freeBalance(api, alice)
    assert.ok(aliceAfter < aliceBefore - amount, `Alice paid 1.5 CRU and a fee: ${aliceBefore} -> ${aliceAfter}`)
    // The page's live balances follow: the recipient's shows the new amount.
    await page.locator(`[data-testid="balance-to"][data-plancks="${ferdieAfter}"]`).waitFor({ timeout: LONG })
    await page.screenshot({ path: join(SHOTS, 'transfer.png'), fullPage: true })
    await page.close()
  })

  it('behavior: a file uploaded from the Files page with a dev account reaches 3 reported replicas; its gateway link gives the same bytes', async () => {
    const page = await browser.newPage()
    await page.goto(`${url}#/files`)
    const eve = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Eve').address
    await page.getByTestId('account').selectOption(eve)
    const text = Array.from({ length: 6000 }, (_, i) => `line ${i} of a file stored from the crust-ts console ${Date.now()}`).join('\n')
    const bytes = Buffer.from(text)
    await page.getByTestId('file-input').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: bytes })
    await page.getByRole('button', { name: 'Upload' }).click()
    await settled(page, 'fee-quote')
    const cid = (await page.getByTestId('cid').textContent()) ?? ''
    assert.match(cid, /^Qm/, 'a CIDv0, as Crust orders name files')
    await page.getByRole('button', { name: 'Place order' }).click()
    await settled(page, 'replicas')
    await shownNumber(page, 'replicas', (n) => n === 3)
    const file = (await api.query.market!.filesV2!(cid)).toJSON() as { reportedReplicaCount: number }
    assert.equal(file.reportedReplicaCount, 3, 'the chain holds 3 reported replicas')
    await page.screenshot({ path: join(SHOTS, 'files.png'), fullPage: true })
    const href = await page.getByTestId('gateway-link').first().getAttribute('href')
    assert.ok(href?.endsWith(`/ipfs/${cid}`), `the link opens the CID on a gateway: ${href}`)
    const tab = await browser.newPage()
    const response = await tab.goto(href!)
    assert.equal(response?.status(), 200)
    assert.deepEqual(Buffer.from((await response!.body()) as Uint8Array), bytes)
    await tab.close()
    // The account's list shows the file, stored.
    await page.reload()
    await page.getByTestId('account').selectOption(eve)
    await page.getByRole('cell', { name: new RegExp(cid) }).waitFor({ timeout: LONG })
    await page.close()
  })

  it('behavior: a folder uploaded from the Files page is one UnixFS directory with the CID `crust upload` gives it; its order takes the DAG size and the list shows it as a folder', async () => {
    // Nested folders, a file over one 256 KiB chunk, and a name that must be escaped in the multipart.
    const folder = mkdtempSync(join(tmpdir(), 'crust-console-folder-'))
    after(() => rmSync(folder, { recursive: true, force: true }))
    const root = join(folder, 'site')
    mkdirSync(join(root, 'assets', 'img'), { recursive: true })
    writeFileSync(join(root, 'index.html'), `<h1>a folder from the console ${Date.now()}</h1>`)
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log("hello")\n'.repeat(500))
    writeFileSync(join(root, 'assets', 'img', 'photo.bin'), randomBytes(300 * 1024))
    writeFileSync(join(root, 'a b+c%d.txt'), 'a name with a space, a plus and a percent sign')
    const expected = await addToIpfs(root, { ipfsApi: dev.nodes[0]!.ipfsApi, pin: false, contentRoot: false })
    assert.ok(expected.isDirectory)
    const dave = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Dave').address
    const page = await browser.newPage()
    await page.goto(`${url}#/files`)
    await page.getByTestId('account').selectOption(dave)
    await page.getByTestId('folder-input').setInputFiles(root)
    await page.getByRole('button', { name: 'Upload' }).click()
    await settled(page, 'fee-quote')
    const cid = (await page.getByTestId('cid').textContent()) ?? ''
    assert.equal(cid, expected.cid, 'the CID crust upload gives the same folder')
    await page.getByRole('button', { name: 'Place order' }).click()
    await settled(page, 'crust-ordered')
    const file = (await api.query.market!.filesV2!(cid)).toJSON() as { fileSize: number | string }
    assert.equal(BigInt(file.fileSize), BigInt(expected.cumulativeSize), "the order is for the folder's DAG size")
    await page.reload()
    await page.getByTestId('account').selectOption(dave)
    await page.locator(`[data-testid="my-file"][data-cid="${cid}"][data-kind="directory"][data-size="${expected.cumulativeSize}"]`).waitFor({ timeout: LONG })
    await page.screenshot({ path: join(SHOTS, 'files-folder.png'), fullPage: true })
    await page.close()
  })

  it("behavior: prepaid added from the account's list reaches the file's order on chain, exactly the amount sent; an amount that is not one, or more than the account has, is refused in words and nothing is sent", async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const dave = keyring.addFromUri('//Dave').address
    // The folder ordered by the test above is Dave's only ordered file.
    const row = (page: Page) => page.locator('[data-testid="my-file"]').filter({ has: page.getByTestId('prepaid') })
    const prepaidOnChain = async (cid: string) => BigInt(((await api.query.market!.filesV2!(cid)).toJSON() as { prepaid: number | string }).prepaid)
    const page = await browser.newPage()
    await page.goto(`${url}#/files`)
    await page.getByTestId('account').selectOption(dave)
    await row(page).first().waitFor({ timeout: LONG })
    assert.equal(await row(page).count(), 1)
    const cid = (await row(page).getAttribute('data-cid'))!
    const before = await prepaidOnChain(cid)
    const input = row(page).getByLabel(/^Prepaid to add for/)
    const status = row(page).getByTestId('prepaid-status')
    const attempt = async (amount: string, outcome: RegExp) => {
      await input.fill(amount)
      await row(page).getByRole('button', { name: 'Add prepaid' }).click()
      await row(page)
        .locator('[data-testid="prepaid-status"]')
        .filter({ hasText: outcome })
        .waitFor({ timeout: LONG })
        .catch(async (err: Error) => {
          throw new Error(`adding ${amount} did not end as expected; the status reads "${await status.textContent()}": ${err.message}`)
        })
    }
    await attempt('1,5', /^Type an amount in CRU/)
    const free = await freeBalance(api, dave)
    await attempt(String(free / 1_000_000_000_000n + 1n), /^Balance too low: Dave can spend [\d,.]+ CRU/)
    assert.equal(await prepaidOnChain(cid), before, 'nothing was sent for the refused amounts')
    await attempt('2.5', /^Added 2\.5 CRU of prepaid: included in block #\d+/)
    const expected = before + 2_500_000_000_000n
    assert.equal(await prepaidOnChain(cid), expected, 'the order holds exactly 2.5 CRU more prepaid')
    await row(page).locator(`[data-testid="prepaid"][data-plancks="${expected}"]`).waitFor({ timeout: LONG })
    await page.screenshot({ path: join(SHOTS, 'files-prepaid.png'), fullPage: true })
    await page.close()
  })

  it('behavior: a file paid from an EVM dev account through the storage-order contract is ordered on Crust by the order node, and the timeline shows it', async () => {
    const page = await browser.newPage()
    await page.goto(`${url}#/files`)
    await page.getByTestId('account').waitFor({ timeout: LONG })
    await page.getByLabel(/an EVM account/).check()
    const from = await waitFor(
      async () => ((await page.getByTestId('evm-account').count()) > 0 ? page.getByTestId('evm-account').inputValue() : undefined),
      'the EVM dev accounts',
      LONG,
    )
    assert.match(from, /^0x[0-9a-fA-F]{40}$/)
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => `line ${i} paid from an EVM account ${Date.now()}`).join('\n'))
    await page.getByTestId('file-input').setInputFiles({ name: 'evm.txt', mimeType: 'text/plain', buffer: bytes })
    // The gateway takes W3Auth's ethereum form, signed by the EVM account.
    await page.getByRole('button', { name: 'Upload' }).click()
    await settled(page, 'evm-fee-quote')
    assert.match((await page.getByTestId('evm-fee-quote').textContent()) ?? '', /charges \d[\d.]* ETH/)
    const cid = (await page.getByTestId('cid').textContent()) ?? ''
    await page.getByRole('button', { name: 'Pay and order' }).click()
    // The timeline follows the order the order node placed on Crust (replicas as for any order: the test above follows them to 3).
    await settled(page, 'crust-ordered')
    const file = (await api.query.market!.filesV2!(cid)).toJSON() as { fileSize: number } | null
    assert.ok(file !== null && file.fileSize >= bytes.length, `Crust holds the order for ${cid}, sized as the DAG: ${JSON.stringify(file)}`)
    await page.screenshot({ path: join(SHOTS, 'files-evm.png'), fullPage: true })
    await page.close()
  })

  it("behavior: the Nodes page lists the three storage nodes with fresh reports, and each one's sealed bytes and SRD from its status endpoint", async () => {
    const page = await browser.newPage()
    await page.goto(`${url}#/nodes`)
    await waitFor(
      async () => ((await page.locator('[data-testid="storage-node"][data-fresh="true"]').count()) === 3 ? true : undefined),
      '3 fresh storage nodes',
      LONG,
    )
    const accounts = await page.getByTestId('storage-node').count()
    assert.equal(accounts, 3)
    // What only the nodes know, from their read-only status endpoints: each sealed the file stored
    // above (the Files test) and declared its SRD (2 units of 16 MiB).
    const sealed = await waitFor(
      async () => {
        const cells = await page
          .locator('[data-testid="node-sealed"]')
          .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-bytes')), Number(e.getAttribute('data-srd'))]))
        return cells.length === 3 && cells.every(([bytes]) => bytes! > 0) ? cells : undefined
      },
      "3 nodes' status with sealed bytes",
      LONG,
    )
    assert.deepEqual(
      sealed.map(([, srd]) => srd),
      [32 * 1024 * 1024, 32 * 1024 * 1024, 32 * 1024 * 1024],
    )
    assert.equal(await page.getByTestId('node-status-error').count(), 0)
    await page.screenshot({ path: join(SHOTS, 'nodes.png'), fullPage: true })
    await page.close()
  })

  it("behavior: the Nodes page's charts start before the page opened and end live at the chain's values: each node's reported bytes (files + SRD) and the network's replicas", async () => {
    const opened = (await api.rpc.chain.getHeader()).number.toNumber()
    const page = await browser.newPage()
    await page.goto(`${url}#/nodes`)
    /** The charts as the page shows them, read at once (the page moves on with every block). */
    const shown = () =>
      page.getByTestId('node-charts').evaluate((charts) => {
        const series = (id: string) =>
          [...charts.querySelectorAll(`[data-testid="${id}-series"]`)].map((e) => ({
            key: e.getAttribute('data-key')!,
            first: [Number(e.getAttribute('data-first-block')), Number(e.getAttribute('data-first-value'))] as const,
            last: [Number(e.getAttribute('data-last-block')), Number(e.getAttribute('data-last-value'))] as const,
            points: Number(e.getAttribute('data-points')),
          }))
        return {
          block: Number(charts.getAttribute('data-last-block') ?? Number.NaN),
          hash: charts.getAttribute('data-last-hash') ?? '',
          bytes: series('bytes-chart'),
          replicas: series('replicas-chart'),
        }
      })
    type Shown = Awaited<ReturnType<typeof shown>>
    const replicasAt = async (hash: string) => {
      const files = (await (await api.at(hash)).query.market!.filesV2!.entries()) as unknown as Array<[unknown, { toJSON(): unknown }]>
      return files.reduce((sum, [, v]) => sum + ((v.toJSON() as { reportedReplicaCount?: number } | null)?.reportedReplicaCount ?? 0), 0)
    }
    /** Each line's last point is the chain's value at the newest block the charts name. */
    const agrees = async (c: Shown) => {
      const at = await api.at(c.hash)
      assert.equal((await api.rpc.chain.getHeader(c.hash)).number.toNumber(), c.block, 'the hash the charts name is their last block')
      for (const s of c.bytes) {
        assert.equal(s.last[0], c.block)
        const wr = (await at.query.swork!.workReports!(s.key)).toJSON() as { reportedFilesSize: number | string; free: number | string }
        assert.equal(s.last[1], Number(wr.reportedFilesSize) + Number(wr.free), `node ${s.key.slice(0, 10)}'s bytes at #${c.block}`)
      }
      assert.equal(c.replicas[0]!.last[0], c.block)
      assert.equal(c.replicas[0]!.last[1], await replicasAt(c.hash), `replicas at #${c.block}`)
    }
    // Backfilled (from before the page opened) and with the three nodes and the files stored above.
    const first = await waitFor(
      async () => {
        const c = await shown()
        const r = c.replicas[0]
        return c.bytes.length === 3 && r !== undefined && r.first[0] < opened && r.last[1] >= 3 ? c : undefined
      },
      'charts with 3 nodes, history and 3 replicas',
      LONG,
    )
    await agrees(first)
    assert.ok(
      first.bytes.every((s) => s.last[1] >= 32 * 1024 * 1024),
      'every node reports at least its 32 MiB of SRD',
    )
    // A past point is the chain's value at that block too (read at the old block's hash).
    const [oldBlock, oldReplicas] = first.replicas[0]!.first
    assert.equal(oldReplicas, await replicasAt((await api.rpc.chain.getBlockHash(oldBlock)).toHex()), `replicas at #${oldBlock}`)
    // Live: new blocks move the charts on, still at the chain's values.
    const later = await waitFor(
      async () => {
        const c = await shown()
        return c.block > first.block && c.bytes.length === 3 ? c : undefined
      },
      'the charts to follow a new block',
      LONG,
    )
    await agrees(later)
    await page.getByText('Reported bytes per storage node (files + SRD): the data as a table').click()
    await page.screenshot({ path: join(SHOTS, 'nodes-charts.png'), fullPage: true })
    await page.close()
  })

  it("behavior: the Nodes page's validators: blocks authored and finality votes in the window match the blocks' seals and the stored precommits, and the session's ImOnline records match the chain, at the block the page names", async () => {
    const page = await browser.newPage()
    await page.goto(`${url}#/nodes`)
    const section = page.getByTestId('validators')
    await section.waitFor({ timeout: LONG })
    // Wait for a window with finality votes in it (the first blocks finalize a few seconds in).
    const shown = await waitFor(
      () =>
        section
          .evaluate((el) => ({
            hash: el.getAttribute('data-hash') ?? '',
            number: Number(el.getAttribute('data-number')),
            from: Number(el.getAttribute('data-from')),
            finalized: Number(el.getAttribute('data-finalized')),
            rows: [...el.querySelectorAll('[data-testid="validator-activity"]')].map((r) => ({
              account: r.getAttribute('data-account')!,
              authored: Number(r.getAttribute('data-authored')),
              precommits: Number(r.getAttribute('data-precommits')),
              elected: r.getAttribute('data-elected') === 'true',
              sessionAuthored: r.getAttribute('data-session-authored'),
              heartbeat: r.getAttribute('data-heartbeat'),
              online: r.getAttribute('data-online') === 'true',
            })),
          }))
          .then((v) => (v.rows.some((r) => r.precommits > 0) ? v : undefined)),
      'validators with finality votes',
      LONG,
    )
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const hex = (address: string) => u8aToHex(keyring.decodeAddress(address))
    const provider = new WsProvider(dev.chainRpc)
    try {
      await provider.isReady
      const blocks = await blockEvidence(
        api,
        provider,
        shown.hash,
        shown.from,
        shown.rows.map((r) => r.account),
      )
      assert.equal(blocks.length, shown.number - shown.from + 1, 'the window the page names is on the chain')
      assert.ok(
        blocks.every((b) => b.sealedBy !== undefined),
        'every block of the window is sealed by a validator the page lists',
      )
      for (const r of shown.rows) {
        const key = hex(r.account)
        assert.equal(r.authored, blocks.filter((b) => b.sealedBy === key).length, `blocks ${r.account} sealed in #${shown.from}-#${shown.number}`)
        // Only the window's blocks that were final when the node answered (a later one may be final by now).
        const final = blocks.filter((b) => b.number <= shown.finalized)
        assert.equal(
          r.precommits,
          final.filter((b) => b.precommitters.includes(key)).length,
          `precommits ${r.account} signed in #${shown.from}-#${shown.finalized}`,
        )
      }
      // crust dev's one validator, //Alice//stash, authors every block and votes: the figures are not zeros.
      const authority = shown.rows.find((r) => r.account === keyring.addFromUri('//Alice//stash').address)
      assert.ok(authority !== undefined, 'the authority is listed')
      assert.equal(authority.authored, blocks.length)
      assert.ok(authority.precommits > 0 && authority.online, `the authority voted: ${JSON.stringify(authority)}`)
      // The session's elected validators, with the chain's ImOnline records at that block.
      const at = await api.at(shown.hash)
      const session = Number((await at.query.session!.currentIndex!()).toString())
      const elected = ((await at.query.session!.validators!()) as unknown as Array<{ toString(): string }>).map((v) => v.toString())
      assert.deepEqual(
        shown.rows
          .filter((r) => r.elected)
          .map((r) => r.account)
          .sort(),
        [...elected].sort(),
      )
      for (const [i, v] of elected.entries()) {
        const r = shown.rows.find((x) => x.account === v)!
        const sessionAuthored = Number((await at.query.imOnline!.authoredBlocks!(session, v)).toString())
        const heartbeat = (await at.query.imOnline!.receivedHeartbeats!(session, i)).toJSON() === true
        assert.deepEqual([Number(r.sessionAuthored), r.heartbeat === 'true'], [sessionAuthored, heartbeat], `${v}'s ImOnline record in session ${session}`)
        assert.equal(r.online, r.authored > 0 || r.precommits > 0 || sessionAuthored > 0 || heartbeat, `${v} online`)
      }
      process.stdout.write(`# validators at #${shown.number} (${shown.hash}), window from #${shown.from}, session ${session}: ${JSON.stringify(shown.rows)}\n`)
    } finally {
      await provider.disconnect()
    }
    await page.getByTestId('validators').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'nodes-validators.png'), fullPage: true })
    await page.close()
  })

  it('behavior: on the Staking page a dev account bonds, guarantees a validator candidate and unbonds; the chain and the page agree', async () => {
    const ferdie = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Ferdie').address
    const page = await browser.newPage()
    await page.goto(`${url}#/staking`)
    await page.getByTestId('account').selectOption(ferdie)
    const candidate = page.getByTestId('validator').first()
    await candidate.waitFor({ timeout: LONG })
    const validator = (await candidate.getAttribute('data-stash'))!
    const status = page.getByTestId('staking-status')
    /** Clicks `button` and waits for the status line to end with this step's outcome (ok or error). */
    const step = async (button: string, done: RegExp) => {
      await page.getByRole('button', { name: button, exact: true }).click()
      await status
        .and(page.locator('.ok, .error'))
        .filter({ hasText: new RegExp(`${done.source}|failed`) })
        .waitFor({ timeout: LONG })
        .catch(async (err: Error) => {
          throw new Error(`${button} did not end; the status reads "${await status.textContent()}": ${err.message}`)
        })
      assert.match((await status.textContent()) ?? '', done)
    }
    const cru = 1_000_000_000_000n
    const ledger = async () =>
      (await api.query.staking!.ledger!(ferdie)).toJSON() as { active: number | string; unlocking: Array<{ value: number | string }> } | null
    await page.getByLabel('Bond (CRU)', { exact: true }).fill('20')
    await step('Bond', /^Bonded 20 CRU: included in block #\d+/)
    assert.equal(BigInt((await ledger())!.active), 20n * cru, 'the chain holds a 20 CRU bond')
    await page.getByLabel('Validator to guarantee').selectOption(validator)
    await page.getByLabel('Votes (CRU of the bond)').fill('5')
    await step('Guarantee', /^Guaranteed 5 CRU: included in block #\d+/)
    const guarantee = (await api.query.staking!.guarantors!(ferdie)).toJSON() as { targets: Array<{ who: string; value: number | string }> }
    assert.deepEqual(
      guarantee.targets.map((t) => [new Keyring({ ss58Format: 66 }).encodeAddress(t.who), BigInt(t.value)]),
      [[validator, 5n * cru]],
    )
    // The validator's row names the new guarantor.
    await page
      .locator(`[data-testid="validator"][data-stash="${validator}"] [data-testid="guarantor"][data-who="${ferdie}"][data-plancks="${5n * cru}"]`)
      .waitFor({ timeout: LONG })
    await page.getByLabel('Unbond (CRU; what is not guaranteed)').fill('2')
    await step('Unbond', /^Unbonded 2 CRU: included in block #\d+/)
    const after = (await ledger())!
    assert.equal(BigInt(after.active), 18n * cru)
    assert.deepEqual(
      after.unlocking.map((u) => BigInt(u.value)),
      [2n * cru],
    )
    await page.locator(`[data-testid="my-unlocking"][data-plancks="${2n * cru}"]`).waitFor({ timeout: LONG })
    await page.screenshot({ path: join(SHOTS, 'staking.png'), fullPage: true })
    await page.close()
  })

  it('behavior: with dev mode off, an injected polkadot{.js}-shaped wallet connects and signs a transfer that lands on chain from its account', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const eve = keyring.addFromUri('//Eve')
    // A recipient nothing else touches: //Charlie is a storage node's account on crust dev, whose
    // balance moves with its own transactions (CI saw it 1.1 mCRU short of "exactly 2 CRU more").
    const recipient = keyring.addFromUri('//InjectedWalletRecipient').address
    const [eveBefore, recipientBefore] = await Promise.all([freeBalance(api, eve.address), freeBalance(api, recipient)])
    const server = new ConsoleServer({
      port: 0,
      config: () => ({ chainRpc: dev.chainRpc, devAccounts: false, ...(dev.gateway === undefined ? {} : { gateway: dev.gateway.gateway }) }),
    })
    const { url: plain } = await server.start()
    const context = await browser.newContext()
    try {
      // The wallet's key stays in this process: the page's extension object asks it to sign each payload.
      const signed: SignerPayloadJSON[] = []
      await context.exposeFunction('crustTestSignPayload', (payload: SignerPayloadJSON) => {
        signed.push(payload)
        assert.equal(payload.address, eve.address, 'the page asks the wallet to sign for its own account')
        return api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(eve).signature
      })
      await context.exposeFunction('crustTestSignRaw', (raw: { data: string }) => u8aToHex(eve.sign(hexToU8a(raw.data), { withType: true })))
      await context.addInitScript(
        ({ address }) => {
          const w = globalThis as unknown as Record<string, (arg: unknown) => Promise<string>> & { injectedWeb3?: unknown }
          const accounts = [{ address, name: 'Eve (injected)', type: 'sr25519' }]
          w.injectedWeb3 = {
            'polkadot-js': {
              version: 'test',
              enable: async () => ({
                accounts: {
                  get: async () => accounts,
                  subscribe: (cb: (a: typeof accounts) => void) => {
                    cb(accounts)
                    return () => {}
                  },
                },
                signer: {
                  signPayload: async (payload: unknown) => ({ id: 1, signature: await w.crustTestSignPayload!(payload) }),
                  signRaw: async (raw: unknown) => ({ id: 2, signature: await w.crustTestSignRaw!(raw) }),
                },
              }),
            },
          }
        },
        { address: eve.address },
      )
      const page = await context.newPage()
      await page.goto(`${plain}#/chain`)
      await page.getByRole('button', { name: 'Connect wallet' }).click()
      const statusText = await sendFromChainPage(page, eve.address, recipient, '2')
      const included = /included in block #(\d+)/.exec(statusText)
      assert.ok(included !== null, `the transfer landed: ${statusText}`)
      assert.equal(signed.length, 1, 'the wallet signed one transaction')
      const amount = 2_000_000_000_000n
      assert.equal(await freeBalance(api, recipient), recipientBefore + amount, 'the recipient got exactly 2 CRU')
      assert.ok((await freeBalance(api, eve.address)) < eveBefore - amount, "Eve's account paid 2 CRU and the fee")
      // The block holds the transfer, signed by Eve's key with the nonce the wallet signed.
      const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(Number(included[1])))
      const xt = block.block.extrinsics.find((x) => x.isSigned && x.signer.toString() === eve.address)
      assert.ok(xt !== undefined, 'an extrinsic signed by Eve')
      assert.equal(`${xt.method.section}.${xt.method.method}`.startsWith('balances.transfer'), true, xt.method.method)
      assert.equal(xt.nonce.toNumber(), Number(signed[0]!.nonce))
      await page.screenshot({ path: join(SHOTS, 'injected-wallet.png'), fullPage: true })
    } finally {
      await context.close()
      await server.stop()
    }
  })

  it('behavior: with no wallet and no dev mode the page says how to connect one (phone-sized screen)', async () => {
    const server = new ConsoleServer({
      port: 0,
      config: () => ({ chainRpc: dev.chainRpc, devAccounts: false, ...(dev.gateway === undefined ? {} : { gateway: dev.gateway.gateway }) }),
    })
    const { url: plain } = await server.start()
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
      const page = await context.newPage()
      await page.goto(`${plain}#/files`)
      const help = page.getByTestId('no-wallet')
      await help.waitFor({ timeout: LONG })
      assert.match((await help.textContent()) ?? '', /No wallet found\. Install the polkadot\{\.js\} extension/)
      assert.equal(await page.getByTestId('account').count(), 0, 'no dev accounts offered')
      await page.screenshot({ path: join(SHOTS, 'no-wallet-phone.png'), fullPage: true })
      await context.close()
    } finally {
      await server.stop()
    }
  })
})
