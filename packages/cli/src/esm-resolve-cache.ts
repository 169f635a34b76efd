/**
 * A module-resolution hook that takes about a quarter off the CPU time of starting a process.
 * Registered (./register-resolve-cache.ts) first by the CLI's entry point and by `npm test`'s
 * runner for the test files' processes, before anything else is imported.
 *
 * Why: for every ES module file it loads, Node 24 asks for the format of the file's package
 * scope, and in doing so spreads the package.json's deserialized fields into a new object, which
 * runs the lazy `exports` getter, which parses the whole `exports` map again. @polkadot/types'
 * package.json is 188 KB with 425 exports, and a chain node loads 243 of its files (and hundreds
 * of @polkadot/util and util-crypto files), so that parse ran hundreds of times: half of the
 * 3 s an `import('@polkadot/types')` took on a loaded machine went to package_json_reader.
 *
 * What it does: a relative `.js` import made from inside `node_modules` resolves to the file next
 * to its importer (relative imports never go through a package's `exports`), and its format comes
 * from the `type` of the nearest package.json, read once per directory. A bare specifier imported
 * from a directory inside `node_modules` is resolved by Node once per directory and remembered.
 * Everything else (our own workspace files, `#imports`, other extensions, require(), files that
 * do not exist) goes to Node's own resolution, so its errors stay Node's.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { ResolveHookSync } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const typeOfDirectory = new Map<string, string>()

/** The `type` of the package.json nearest to `directory` (as Node reads a package scope: the first one found walking up). */
function packageScopeType(directory: string): string {
  const walked: string[] = []
  let current = directory
  let type: string | undefined
  for (;;) {
    type = typeOfDirectory.get(current)
    if (type !== undefined) break
    walked.push(current)
    const manifest = join(current, 'package.json')
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }
      type = parsed.type === 'module' ? 'module' : 'commonjs'
      break
    }
    const parent = dirname(current)
    if (parent === current) {
      type = 'commonjs'
      break
    }
    current = parent
  }
  for (const directory of walked) typeOfDirectory.set(directory, type)
  return type
}

/** Bare specifiers resolved from a directory inside `node_modules` (same directory, same lookup, same answer). */
const resolvedFromDirectory = new Map<string, { url: string; format?: string | null | undefined }>()

/** The hook itself (registered by ./register-resolve-cache.js); exported for the test that compares it with Node's own answers. */
export const resolveWithCache: ResolveHookSync = (specifier, context, nextResolve) => {
  const parent = context.parentURL
  // ES imports made by installed packages only: require() and our own files keep Node's resolution.
  const fromInstalledPackage =
    parent?.startsWith('file:') === true &&
    parent.includes('/node_modules/') &&
    context.conditions.includes('import') &&
    context.importAttributes?.type === undefined
  if (!fromInstalledPackage) return nextResolve(specifier, context)
  if (/^[@a-z]/i.test(specifier) && !specifier.startsWith('node:')) {
    const key = `${specifier}\0${parent.slice(0, parent.lastIndexOf('/'))}\0${context.conditions.join(',')}`
    const known = resolvedFromDirectory.get(key)
    if (known !== undefined) return { ...known, shortCircuit: true }
    const resolved = nextResolve(specifier, context)
    if (resolved.url.startsWith('file:')) resolvedFromDirectory.set(key, { url: resolved.url, format: resolved.format })
    return resolved
  }
  if (specifier.startsWith('.') && specifier.endsWith('.js')) {
    const url = new URL(specifier, parent)
    const path = fileURLToPath(url)
    if (existsSync(path) && packageScopeType(dirname(path)) === 'module') return { url: url.href, format: 'module', shortCircuit: true }
  }
  return nextResolve(specifier, context)
}
