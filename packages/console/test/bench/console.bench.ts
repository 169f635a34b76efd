/**
 * The console's benchmark (`npm run bench`): the JavaScript the first page ships (gzipped; from
 * the built bundle's metafile, absolute against the 300 KB target, with the whole bundle as
 * anchor), the time from a cold load (a fresh browser context: no cache) to a usable Files page
 * on loopback (an account offered and a file can be chosen; absolute against the 1.5 s target) and
 * until @polkadot/api has connected, and upload throughput from the page through the
 * W3Auth gateway against the same file POSTed to the storage node's IPFS API from Node (the add
 * request `crust upload` makes), measured in the same run against one `crust dev`. Medians of 3.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { devArgs, makeBasePath, startDev, writeDevSpec } from '@crust-ts/testkit'
import { WEB_ROOT } from '../../src/index.js'
import { launchChromium } from '../browser.js'

interface Metafile {
  outputs: Record<string, { imports: Array<{ path: string; kind: string }>; entryPoint?: string }>
}

export interface ConsoleBench {
  firstPageGzipBytes: number
  allJsGzipBytes: number
  firstPageFiles: number
  coldLoadMs: number[]
  /** From the same cold load until @polkadot/api has connected (the account's file list is drawn): what the quote and the order wait for. */
  connectedMs: number[]
  sizeBytes: number
  browserUploadMs: number[]
  directAddMs: number[]
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The entry and the chunks it imports statically (what the first page loads before it runs), gzipped. */
export function firstPageJs(root = WEB_ROOT): { firstPageGzipBytes: number; allJsGzipBytes: number; firstPageFiles: number } {
  const meta = JSON.parse(readFileSync(join(root, 'meta.json'), 'utf8')) as Metafile
  const name = (p: string) => p.slice(p.lastIndexOf('/') + 1)
  const byName = new Map(Object.entries(meta.outputs).map(([path, out]) => [name(path), out]))
  const gz = (file: string) => gzipSync(readFileSync(join(root, file))).length
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const i of byName.get(file)?.imports ?? []) if (i.kind === 'import-statement') visit(name(i.path))
  }
  visit('main.js')
  const js = [...byName.keys()].filter((f) => f.endsWith('.js'))
  return {
    firstPageGzipBytes: [...seen].reduce((sum, f) => sum + gz(f), 0),
    allJsGzipBytes: js.reduce((sum, f) => sum + gz(f), 0),
    firstPageFiles: seen.size,
  }
}

export async function runConsoleBench(opts: { sizeMiB?: number; rounds?: number } = {}): Promise<ConsoleBench> {
  const rounds = opts.rounds ?? 3
  const size = (opts.sizeMiB ?? 32) * 1024 * 1024
  const js = firstPageJs()
  const browser = await launchChromium()
  const base = makeBasePath()
  const files = mkdtempSync(join(tmpdir(), 'crust-console-bench-'))
  try {
    const spec = writeDevSpec(base.path, { reportSlot: 20, fileDuration: 600, eraLength: 120 })
    const dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 1, srdUnits: 0, console: true }))
    try {
      const url = dev.console!
      const ipfsApi = dev.nodes[0]!.ipfsApi
      const coldLoadMs: number[] = []
      const connectedMs: number[] = []
      const browserUploadMs: number[] = []
      const directAddMs: number[] = []
      for (let round = 0; round < rounds; round++) {
        // Cold: a new context has no cache; usable = the dev accounts are loaded and a file can be chosen.
        const context = await browser.newContext()
        const page = await context.newPage()
        const t0 = performance.now()
        await page.goto(`${url}#/files`)
        await page.getByTestId('account').waitFor()
        await page.getByTestId('file-input').waitFor({ state: 'attached' })
        coldLoadMs.push(performance.now() - t0)
        await page.locator('#mine-title').waitFor()
        connectedMs.push(performance.now() - t0)

        // Random bytes each round, so neither path finds its blocks already stored.
        const content = randomBytes(size)
        mkdirSync(files, { recursive: true })
        const file = join(files, `upload-${round}.bin`)
        writeFileSync(file, content)
        await page.getByTestId('file-input').setInputFiles(file)
        const t1 = performance.now()
        await page.getByRole('button', { name: 'Upload' }).click()
        await page.locator('[data-testid="cid"], [role="alert"]').first().waitFor({ timeout: 600_000 })
        browserUploadMs.push(performance.now() - t1)
        if ((await page.getByRole('alert').count()) > 0) throw new Error(`the browser upload failed: ${await page.getByRole('alert').first().textContent()}`)
        await context.close()

        const other = randomBytes(size)
        const form = new FormData()
        form.append('file', new Blob([other]), 'direct.bin')
        const t2 = performance.now()
        const res = await fetch(`${ipfsApi}/api/v0/add?pin=true&cid-version=0&progress=false`, { method: 'POST', body: form })
        await res.text()
        if (!res.ok) throw new Error(`the direct add answered ${res.status}`)
        directAddMs.push(performance.now() - t2)
      }
      return { ...js, coldLoadMs, connectedMs, sizeBytes: size, browserUploadMs, directAddMs }
    } finally {
      await dev.stop()
    }
  } finally {
    await browser.close()
    rmSync(files, { recursive: true, force: true })
    base.remove()
  }
}

export function formatConsoleBench(r: ConsoleBench): string {
  const mibps = (ms: number) => r.sizeBytes / (1024 * 1024) / (ms / 1000)
  const browser = mibps(median(r.browserUploadMs))
  const direct = mibps(median(r.directAddMs))
  return [
    `console: first page ships ${(r.firstPageGzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped in ${r.firstPageFiles} files (absolute; target <= 300 KB); the whole bundle with its lazy chunks ${(r.allJsGzipBytes / 1024).toFixed(0)} KB (ratio ${(r.firstPageGzipBytes / r.allJsGzipBytes).toFixed(2)})`,
    `  cold load to a usable Files page on loopback: median ${median(r.coldLoadMs).toFixed(0)} ms of ${r.coldLoadMs.length} (absolute; target <= 1500 ms); the chain connection the quote and the order need (@polkadot/api with the metadata) follows at ${median(r.connectedMs).toFixed(0)} ms`,
    `  upload of ${(r.sizeBytes / 1024 / 1024).toFixed(0)} MiB from the page through the W3Auth gateway: ${browser.toFixed(1)} MiB/s; the same size POSTed to the node's IPFS API from Node (crust upload's add request): ${direct.toFixed(1)} MiB/s; ratio ${(browser / direct).toFixed(2)} (target >= 0.8), medians of ${r.browserUploadMs.length}`,
  ].join('\n')
}
