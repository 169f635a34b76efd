import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { checkArchitecture, extractImports, formatReport } from '../src/arch-check.js'

const CHECK = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'arch-check.js')
const roots: string[] = []
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

interface PackageSpec {
  deps?: string[]
  devDeps?: string[]
  files: Record<string, string> // path inside the package → source
}

const version = (names: string[] | undefined): Record<string, string> => Object.fromEntries((names ?? []).map((n) => [`@crust-ts/${n}`, '0.1.0']))

/** A fixture monorepo: packages/<name>/{package.json, src, test} plus optional bench files. */
function tree(packages: Record<string, PackageSpec>, bench: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'arch-check-'))
  roots.push(root)
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
  }
  for (const [name, spec] of Object.entries(packages)) {
    const dir = join(root, 'packages', name)
    const manifest: Record<string, unknown> = {
      name: `@crust-ts/${name}`,
      version: '0.1.0',
      type: 'module',
      exports: { '.': { types: './dist/src/index.d.ts', import: './dist/src/index.js' } },
    }
    if (spec.deps !== undefined) manifest['dependencies'] = { ...version(spec.deps), pino: '^10.0.0' }
    if (spec.devDeps !== undefined) manifest['devDependencies'] = version(spec.devDeps)
    write(join(dir, 'package.json'), JSON.stringify(manifest, null, 2))
    for (const [path, text] of Object.entries(spec.files)) write(join(dir, path), text)
    // Build output and installed packages are never read.
    write(join(dir, 'dist', 'src', 'index.js'), "import '@crust-ts/cli'\n")
  }
  for (const [path, text] of Object.entries(bench)) write(join(root, 'bench', path), text)
  return root
}

/** A clean three-package tree that each failing case extends. */
function cleanPackages(): Record<string, PackageSpec> {
  return {
    base: { deps: [], files: { 'src/index.ts': "export class CrustError extends Error {}\nimport 'pino'\n" } },
    chain: {
      deps: ['base'],
      devDeps: ['testkit'],
      files: {
        'src/index.ts': "export * from './header.js'\nexport type { Block } from './block/index.js'\n",
        'src/header.ts':
          "import { CrustError } from '@crust-ts/base'\nimport type { Block } from './block/index.js'\nexport const header = (b: Block) => new CrustError(String(b))\n",
        'src/block/index.ts': "export type Block = { n: number }\nexport const load = () => import('./lazy.js')\n",
        'src/block/lazy.ts': 'export const lazy = 1\n',
        'test/header.spec.ts':
          "import { header } from '../src/index.js'\nimport { makeBlock } from '@crust-ts/testkit'\nimport '@crust-ts/chain'\nheader(makeBlock())\n",
      },
    },
    testkit: {
      deps: ['base'],
      files: { 'src/index.ts': "import type { CrustError } from '@crust-ts/base'\nexport const makeBlock = (_?: CrustError) => ({ n: 1 })\n" },
    },
  }
}

const lines = (root: string): string[] => formatReport(checkArchitecture(root))

describe('extractImports', () => {
  it('finds every kind of module specifier, and which are type-only', () => {
    const src = [
      "import a from './a.js'",
      "import type { B } from './b.js'",
      "import { type C, d } from './c.js'",
      "import './side-effect.js'",
      "export * from './e.js'",
      "export type { F } from './f.js'",
      "export { g } from '@crust-ts/g'",
      "const h = await import('./h.js')",
      "let i: import('./i.js').I",
      'const j = await import(`./j.js`)',
      'const k = await import(someVariable)',
      "// import nope from './comment.js'",
      'const s = "import x from \'./string.js\'"',
    ].join('\n')
    const refs = extractImports('x.ts', src).map((r) => `${r.specifier}${r.typeOnly ? ' (type)' : ''}@${r.line}`)
    assert.deepEqual(refs, [
      './a.js@1',
      './b.js (type)@2',
      './c.js@3',
      './side-effect.js@4',
      './e.js@5',
      './f.js (type)@6',
      '@crust-ts/g@7',
      './h.js@8',
      './i.js (type)@9',
      './j.js@10',
    ])
  })
})

describe('checkArchitecture', () => {
  it('passes on a clean tree (relative, index and dynamic imports, declared deps, self import in tests)', () => {
    const root = tree(cleanPackages(), {
      'run.ts': "import { header } from '@crust-ts/chain'\nimport { x } from './util.js'\nheader(x)\n",
      'util.ts': 'export const x = { n: 1 }\n',
    })
    assert.deepEqual(lines(root), [])
    const report = checkArchitecture(root)
    assert.equal(report.packages, 3)
    assert.equal(report.files, 9)
  })

  it('fails on a cycle between modules', () => {
    const pkgs = cleanPackages()
    pkgs['chain']!.files['src/a.ts'] = "import { b } from './b.js'\nexport const a = () => b\n"
    pkgs['chain']!.files['src/b.ts'] = "import { a } from './a.js'\nexport const b = () => a\n"
    assert.deepEqual(lines(tree(pkgs)), ['cycle: packages/chain/src/a.ts → b.ts → a.ts'])
  })

  it('fails on a type-only cycle, and says which edges are type-only', () => {
    const pkgs = cleanPackages()
    pkgs['chain']!.files['src/a.ts'] = "import type { B } from './sub/b.js'\nexport type A = { b?: B }\n"
    pkgs['chain']!.files['src/sub/b.ts'] = "export type { A as B } from '../a.js'\n"
    assert.deepEqual(lines(tree(pkgs)), ['cycle: packages/chain/src/a.ts → sub/b.ts → a.ts (type-only: a.ts → sub/b.ts, sub/b.ts → a.ts)'])
  })

  it('finds cycles through import() types, dynamic imports and folder index files', () => {
    const pkgs = cleanPackages()
    pkgs['chain']!.files['src/a.ts'] = "export let x: import('./dir').X\n"
    pkgs['chain']!.files['src/dir/index.ts'] = "export type X = 1\nexport const y = () => import('../c.js')\n"
    pkgs['chain']!.files['src/c.ts'] = "import './a.js'\n"
    assert.deepEqual(lines(tree(pkgs)), ['cycle: packages/chain/src/a.ts → dir/index.ts → c.ts → a.ts (type-only: a.ts → dir/index.ts)'])
  })

  it('fails on a forbidden edge in src (consensus → ipfs), not in test', () => {
    const pkgs = cleanPackages()
    pkgs['ipfs'] = { deps: [], files: { 'src/index.ts': 'export const ipfs = 1\n' } }
    pkgs['consensus'] = {
      deps: ['ipfs'],
      devDeps: ['chain'],
      files: {
        'src/host.ts': "import { ipfs } from '@crust-ts/ipfs'\nexport const host = ipfs\n",
        'test/host.spec.ts': "import { header } from '@crust-ts/chain'\nimport { ipfs } from '@crust-ts/ipfs'\nheader({ n: ipfs })\n",
      },
    }
    assert.deepEqual(lines(tree(pkgs)), [
      'forbidden: packages/consensus/src/host.ts imports @crust-ts/ipfs (consensus → ipfs: consensus and ipfs never import each other; both take a p2p host)',
    ])
  })

  it('forbids anything → cli, base → anything and protocol → anything but base', () => {
    const pkgs = cleanPackages()
    pkgs['cli'] = { deps: [], files: { 'src/index.ts': 'export const cli = 1\n' } }
    pkgs['protocol'] = {
      deps: ['base', 'chain'],
      files: { 'src/index.ts': "import '@crust-ts/base'\nimport '@crust-ts/chain'\n" },
    }
    pkgs['base']!.deps = ['testkit']
    pkgs['base']!.files['src/k.ts'] = "export type { CrustError } from './index.js'\nimport '@crust-ts/testkit'\n"
    pkgs['chain']!.deps = ['base', 'cli']
    pkgs['chain']!.files['src/run.ts'] = "export const run = () => import('@crust-ts/cli')\n"
    const out = lines(tree(pkgs))
    assert.deepEqual(
      out.filter((l) => l.startsWith('forbidden')),
      [
        'forbidden: packages/base/src/k.ts imports @crust-ts/testkit (base → testkit: base is the foundation: no workspace package)',
        'forbidden: packages/chain/src/run.ts imports @crust-ts/cli (chain → cli: the chain imports no storage package and no node/consensus layer above it)',
        'forbidden: packages/protocol/src/index.ts imports @crust-ts/chain (protocol → chain: protocol holds wire formats: base only)',
      ],
    )
    // base → testkit → base is also a package cycle.
    assert.ok(
      out.some((l) => l.startsWith('package cycle: base → testkit → base')),
      out.join('\n'),
    )
  })

  it('fails on a declared workspace dependency that is never imported', () => {
    const pkgs = cleanPackages()
    pkgs['chain']!.deps = ['base', 'testkit']
    pkgs['testkit']!.devDeps = ['chain']
    assert.deepEqual(lines(tree(pkgs)), [
      'unused dependency: packages/chain declares @crust-ts/testkit in dependencies but only its tests import it (move it to devDependencies)',
      'unused dependency: packages/testkit declares @crust-ts/chain in devDependencies but never imports it',
    ])
    const pkgs2 = cleanPackages()
    pkgs2['testkit']!.deps = ['base', 'chain']
    assert.deepEqual(lines(tree(pkgs2)), ['unused dependency: packages/testkit declares @crust-ts/chain but never imports it'])
  })

  it('fails on a workspace package imported but not declared (or only as a devDependency from src)', () => {
    const pkgs = cleanPackages()
    pkgs['chain']!.deps = []
    pkgs['chain']!.devDeps = ['testkit', 'base']
    pkgs['gateway'] = { deps: [], files: { 'test/t.spec.ts': "import { header } from '@crust-ts/chain'\nheader({ n: 1 })\n" } }
    assert.deepEqual(lines(tree(pkgs)), [
      'undeclared dependency: packages/chain imports @crust-ts/base from src/header.ts but does not declare it in dependencies, only in devDependencies',
      'undeclared dependency: packages/gateway imports @crust-ts/chain from test/t.spec.ts but declares it neither in dependencies nor in devDependencies',
    ])
  })

  it('fails on a cycle between packages', () => {
    const pkgs = cleanPackages()
    pkgs['testkit']!.deps = ['base', 'chain']
    pkgs['testkit']!.files['src/chain.ts'] = "export { header } from '@crust-ts/chain'\n"
    assert.deepEqual(lines(tree(pkgs)), [
      'package cycle: chain → testkit → chain (chain/test/header.spec.ts imports testkit; testkit/src/chain.ts imports chain)',
    ])
  })

  it('fails on deep imports, by package subpath or by relative path', () => {
    const pkgs = cleanPackages()
    pkgs['testkit']!.files['src/deep.ts'] = "import { CrustError } from '@crust-ts/base/src/index.js'\nexport const e = CrustError\n"
    pkgs['testkit']!.files['src/deeper.ts'] = "import '@crust-ts/base/dist/src/index.js'\nimport '@crust-ts/base/errors'\n"
    pkgs['testkit']!.files['src/rel.ts'] = "export { header } from '../../chain/src/header.js'\n"
    assert.deepEqual(lines(tree(pkgs)), [
      // the relative import also closes chain (test) → testkit → chain
      'package cycle: chain → testkit → chain (chain/test/header.spec.ts imports testkit; testkit/src/rel.ts imports chain)',
      'deep import: packages/testkit/src/deep.ts:1 imports @crust-ts/base/src/index.js (use @crust-ts/base)',
      'deep import: packages/testkit/src/deeper.ts:1 imports @crust-ts/base/dist/src/index.js (use @crust-ts/base)',
      'deep import: packages/testkit/src/deeper.ts:2 imports @crust-ts/base/errors (use @crust-ts/base)',
      'deep import: packages/testkit/src/rel.ts:1 imports ../../chain/src/header.js, a file of packages/chain (reach chain through @crust-ts/chain)',
    ])
  })
})

describe('arch-check command', () => {
  it('exits 1 with one line per violation, and 0 on a clean tree', () => {
    const pkgs = cleanPackages()
    pkgs['ipfs'] = { deps: [], files: { 'src/index.ts': 'export const ipfs = 1\n' } }
    pkgs['consensus'] = { deps: ['ipfs'], files: { 'src/x.ts': "import '@crust-ts/ipfs'\n" } }
    const bad = spawnSync(process.execPath, [CHECK, tree(pkgs)], { encoding: 'utf8' })
    assert.equal(bad.status, 1, bad.stderr)
    assert.deepEqual(bad.stdout.trim().split('\n'), [
      'forbidden: packages/consensus/src/x.ts imports @crust-ts/ipfs (consensus → ipfs: consensus and ipfs never import each other; both take a p2p host)',
      'arch check: 1 violation (9 files, 5 packages)',
    ])
    const good = spawnSync(process.execPath, [CHECK, tree(cleanPackages())], { encoding: 'utf8' })
    assert.equal(good.status, 0, good.stdout + good.stderr)
    assert.equal(good.stdout.trim(), 'arch check: ok (7 files, 3 packages)')
  })
})
