/**
 * The start-up resolution hook gives Node's own answers: a child process imports the node's whole
 * module graph (@polkadot/api and types, Helia, libp2p, the chain) through a recorder that, for
 * every import, asks both the hook and Node's resolution and keeps any difference.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'

const HOOK = new URL('../src/esm-resolve-cache.js', import.meta.url).href

/** Registers a recorder that compares the hook with Node for each resolution, imports `modules`, prints what it saw. */
function recorder(modules: string[]): string {
  return `
    import { registerHooks } from 'node:module'
    import { resolveWithCache } from ${JSON.stringify(HOOK)}
    const seen = { checked: 0, byPackages: 0, answeredByHook: 0, mismatches: [] }
    registerHooks({
      resolve(specifier, context, nextResolve) {
        const node = nextResolve(specifier, context)
        let deferred = false
        const hook = resolveWithCache(specifier, context, (s, c) => { deferred = true; return nextResolve(s, c) })
        seen.checked++
        if (context.parentURL?.includes('/node_modules/') && context.conditions.includes('import')) seen.byPackages++
        if (!deferred) seen.answeredByHook++
        if (hook.url !== node.url || (hook.format ?? null) !== (node.format ?? null))
          seen.mismatches.push({ specifier, parent: context.parentURL, hook: [hook.url, hook.format], node: [node.url, node.format] })
        return node
      },
    })
    for (const m of ${JSON.stringify(modules)}) await import(m)
    let missing
    try { await import('@polkadot/types/no-such-file.js') } catch (e) { missing = e.code }
    console.log(JSON.stringify({ ...seen, missing }))
  `
}

describe('start-up resolution hook', () => {
  it("behavior: over the node's whole module graph it resolves every import to Node's own URL and format, and answers most of the ES imports made by installed packages itself", () => {
    const modules = ['@polkadot/api', '@crust-ts/chain', '@crust-ts/ipfs', '@crust-ts/node']
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', recorder(modules)], { encoding: 'utf8', timeout: 120_000 })
    assert.equal(child.status, 0, child.stderr)
    const seen = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      checked: number
      byPackages: number
      answeredByHook: number
      mismatches: unknown[]
      missing: string
    }
    assert.deepEqual(seen.mismatches, [])
    assert.ok(seen.checked > 2000, `${seen.checked} imports checked`)
    // The hook must actually take the work off Node (a hook that always deferred would also match).
    assert.ok(seen.answeredByHook > seen.byPackages / 2, `${seen.answeredByHook} of ${seen.byPackages} ES imports by packages answered by the hook`)
    // A path the package does not export is still refused with Node's error.
    assert.equal(seen.missing, 'ERR_PACKAGE_PATH_NOT_EXPORTED')
  })
})
