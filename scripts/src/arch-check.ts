/**
 * The architecture check: reads every .ts file under packages/x/src, packages/x/test and bench/,
 * extracts its module specifiers and reports, one line each:
 *  - import cycles between modules (type-only edges included) and between workspace packages;
 *  - workspace dependencies declared but never imported, and imported but not declared;
 *  - forbidden edges between packages (production code, `src/`, see RULES below);
 *  - deep imports into another package (`@crust-ts/x/src/...`, `@crust-ts/x/dist/...`, a subpath
 *    the package does not export, or a relative path into another package's folder).
 *
 * Usage: node scripts/dist/src/arch-check.js [root]   (root defaults to the current directory)
 * Exit code 0 when clean, 1 on any violation, 2 when the check itself cannot run.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// ---------------------------------------------------------------------------------------------
// The rules: which workspace package may not import which, in production code (src/).
// Names are package names without the scope (`chain` for `@crust-ts/chain`).
// `forbid: '*'` forbids every workspace package except those listed in `except`.
// ---------------------------------------------------------------------------------------------
export interface Rule {
  readonly from: string
  readonly forbid: readonly string[] | '*'
  readonly except?: readonly string[]
  readonly why: string
}

export const RULES: readonly Rule[] = [
  // from        forbidden targets
  {
    from: 'chain',
    forbid: ['ipfs', 'sworker', 'smanager', 'gateway', 'node', 'cli', 'consensus'],
    why: 'the chain imports no storage package and no node/consensus layer above it',
  },
  { from: 'ipfs', forbid: ['chain', 'consensus'], why: 'ipfs never imports the chain or consensus' },
  { from: 'consensus', forbid: ['ipfs'], why: 'consensus and ipfs never import each other; both take a p2p host' },
  { from: 'sdk', forbid: ['chain', 'ipfs', 'sworker', 'smanager', 'gateway', 'node'], why: 'the sdk is a client: base, protocol and client libraries only' },
  { from: 'sworker', forbid: ['smanager', 'gateway'], why: 'the sWorker sits below the storage manager and the gateway' },
  { from: 'smanager', forbid: ['gateway'], why: 'the storage manager sits below the gateway' },
  {
    from: 'evm',
    forbid: ['chain', 'ipfs', 'sworker', 'smanager', 'gateway', 'node', 'consensus'],
    why: 'the EVM contracts and order node are clients of Crust: base, protocol and the sdk',
  },
  { from: 'base', forbid: '*', why: 'base is the foundation: no workspace package' },
  { from: 'protocol', forbid: '*', except: ['base'], why: 'protocol holds wire formats: base only' },
  {
    from: 'console',
    forbid: '*',
    except: ['base'],
    why: 'the console is a client: static files and their server, talking to nodes only over their public APIs',
  },
  { from: '*', forbid: ['cli'], why: 'nothing imports cli' },
]

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx']
const SKIP_DIRS = new Set(['dist', 'node_modules', '.git'])

export type ViolationKind = 'cycle' | 'package cycle' | 'forbidden' | 'deep import' | 'unused dependency' | 'undeclared dependency'

export interface Violation {
  readonly kind: ViolationKind
  readonly message: string
}

export interface ArchReport {
  readonly violations: Violation[]
  readonly files: number
  readonly packages: number
}

/** One place code lives: a workspace package (packages/x) or bench/. */
interface Unit {
  readonly short: string
  readonly name: string | undefined // package name; undefined for bench
  readonly dir: string // absolute
  readonly rel: string // relative to root, posix
  readonly dependencies: ReadonlySet<string>
  readonly devDependencies: ReadonlySet<string>
  readonly exportedSubpaths: ReadonlySet<string> | undefined // undefined: no exports map
}

interface ImportRef {
  readonly specifier: string
  readonly line: number
  readonly typeOnly: boolean
}

interface SourceFile {
  readonly path: string // absolute
  readonly rel: string // relative to root, posix
  readonly unit: Unit
  readonly area: 'src' | 'test' | 'bench'
  readonly imports: ImportRef[]
}

const toPosix = (p: string): string => p.split(sep).join('/')

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
}

function keysOf(value: unknown): Set<string> {
  return new Set(value !== null && typeof value === 'object' ? Object.keys(value) : [])
}

function shortName(name: string): string {
  const slash = name.lastIndexOf('/')
  return slash === -1 ? name : name.slice(slash + 1)
}

function exportedSubpaths(exportsField: unknown): Set<string> | undefined {
  if (exportsField === undefined) return undefined
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return new Set(['.'])
  const keys = Object.keys(exportsField as object)
  // Conditions only ({ import, types }) mean "." alone.
  if (keys.every((k) => !k.startsWith('.'))) return new Set(['.'])
  return new Set(keys)
}

function findUnits(root: string): Unit[] {
  const units: Unit[] = []
  const packagesDir = join(root, 'packages')
  if (existsSync(packagesDir)) {
    for (const entry of readdirSync(packagesDir).sort()) {
      const dir = join(packagesDir, entry)
      const manifest = join(dir, 'package.json')
      if (!statSync(dir).isDirectory() || !existsSync(manifest)) continue
      const pkg = readJson(manifest)
      const name = typeof pkg['name'] === 'string' ? pkg['name'] : entry
      units.push({
        short: shortName(name),
        name,
        dir,
        rel: toPosix(relative(root, dir)),
        dependencies: keysOf(pkg['dependencies']),
        devDependencies: keysOf(pkg['devDependencies']),
        exportedSubpaths: exportedSubpaths(pkg['exports']),
      })
    }
  }
  const benchDir = join(root, 'bench')
  if (existsSync(benchDir)) {
    units.push({
      short: 'bench',
      name: undefined,
      dir: benchDir,
      rel: 'bench',
      dependencies: new Set(),
      devDependencies: new Set(),
      exportedSubpaths: undefined,
    })
  }
  return units
}

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listSources(full))
    else if (entry.isFile() && SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(full)
  }
  return out.sort()
}

/** Every module specifier in a file: imports, re-exports, side-effect and dynamic imports, `import('x')` types. */
export function extractImports(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const refs: ImportRef[] = []
  const add = (node: ts.Node, literal: ts.Node | undefined, typeOnly: boolean): void => {
    if (literal === undefined) return
    if (!ts.isStringLiteral(literal) && !ts.isNoSubstitutionTemplateLiteral(literal)) return
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    refs.push({ specifier: literal.text, line, typeOnly })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true)
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return refs
}

/** './x.js' → './x.ts', './x' → './x.ts' or './x/index.ts'; undefined when no source file matches. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier)
  const candidates: string[] = []
  const swaps: Array<[string, string[]]> = [
    ['.js', ['.ts', '.tsx', '.d.ts']],
    ['.jsx', ['.tsx']],
    ['.mjs', ['.mts', '.d.mts']],
    ['.cjs', ['.cts', '.d.cts']],
  ]
  for (const [js, tsExts] of swaps) {
    if (base.endsWith(js)) for (const ext of tsExts) candidates.push(base.slice(0, -js.length) + ext)
  }
  candidates.push(base)
  for (const ext of [...SOURCE_EXTENSIONS, '.d.ts']) candidates.push(base + ext)
  for (const ext of [...SOURCE_EXTENSIONS, '.d.ts']) candidates.push(join(base, `index${ext}`))
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}

/** '@scope/name/sub/path' → ['@scope/name', 'sub/path']. */
function splitBare(specifier: string): [string, string] {
  const parts = specifier.split('/')
  const n = specifier.startsWith('@') ? 2 : 1
  return [parts.slice(0, n).join('/'), parts.slice(n).join('/')]
}

function isForbidden(from: string, to: string): Rule | undefined {
  return RULES.find((rule) => {
    if (rule.from !== '*' && rule.from !== from) return false
    if (rule.forbid === '*') return !(rule.except ?? []).includes(to)
    return rule.forbid.includes(to)
  })
}

/** Strongly connected components (Tarjan), each with more than one node or a self-loop. */
function cyclicComponents(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0
  const indices = new Map<string, number>()
  const lowlink = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  const strong = (v: string): void => {
    indices.set(v, index)
    lowlink.set(v, index)
    index++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        strong(w)
        lowlink.set(v, Math.min(lowlink.get(v)!, lowlink.get(w)!))
      } else if (onStack.has(w)) {
        lowlink.set(v, Math.min(lowlink.get(v)!, indices.get(w)!))
      }
    }
    if (lowlink.get(v) === indices.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || graph.get(v)?.has(v) === true) out.push(component.sort())
    }
  }
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) strong(v)
  return out
}

/** The shortest cycle through `start` inside `members` (BFS), as [start, ..., start]. */
function shortestCycle(graph: ReadonlyMap<string, ReadonlySet<string>>, members: ReadonlySet<string>, start: string): string[] {
  const parent = new Map<string, string>()
  const queue: string[] = []
  for (const next of [...(graph.get(start) ?? [])].sort()) {
    if (next === start) return [start, start]
    if (members.has(next) && !parent.has(next)) {
      parent.set(next, start)
      queue.push(next)
    }
  }
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const next of [...(graph.get(v) ?? [])].sort()) {
      if (next === start) {
        const path = [v]
        let p = v
        while (p !== start) {
          p = parent.get(p)!
          path.push(p)
        }
        return [...path.reverse(), start]
      }
      if (members.has(next) && !parent.has(next)) {
        parent.set(next, v)
        queue.push(next)
      }
    }
  }
  return [start, start]
}

/** Cycles covering every member of each component, deduplicated by rotation. */
function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = []
  for (const component of cyclicComponents(graph)) {
    const members = new Set(component)
    const seen = new Set<string>()
    const covered = new Set<string>()
    for (const start of component) {
      if (covered.has(start)) continue
      const cycle = shortestCycle(graph, members, start)
      const ring = cycle.slice(0, -1)
      const first = ring.indexOf([...ring].sort()[0]!)
      const canonical = [...ring.slice(first), ...ring.slice(0, first)]
      const key = canonical.join('\0')
      for (const node of ring) covered.add(node)
      if (seen.has(key)) continue
      seen.add(key)
      cycles.push([...canonical, canonical[0]!])
    }
  }
  return cycles
}

function commonDir(paths: readonly string[]): string {
  const split = paths.map((p) => p.split('/').slice(0, -1))
  const first = split[0] ?? []
  let n = 0
  while (n < first.length && split.every((s) => s[n] === first[n])) n++
  return first.slice(0, n).join('/')
}

function formatCycle(cycle: readonly string[], typeOnly: (from: string, to: string) => boolean): string {
  const dir = commonDir(cycle)
  const cut = dir === '' ? 0 : dir.length + 1
  const short = cycle.map((p) => p.slice(cut))
  const typeEdges: string[] = []
  for (let i = 0; i + 1 < cycle.length; i++) {
    if (typeOnly(cycle[i]!, cycle[i + 1]!)) typeEdges.push(`${short[i]} → ${short[i + 1]}`)
  }
  const note = typeEdges.length > 0 ? ` (type-only: ${typeEdges.join(', ')})` : ''
  return `${[cycle[0], ...short.slice(1)].join(' → ')}${note}`
}

function unitOf(units: readonly Unit[], file: string): Unit | undefined {
  return units.find((u) => file === u.dir || file.startsWith(u.dir + sep))
}

function moreFiles(files: readonly string[]): string {
  const sorted = [...new Set(files)].sort()
  return sorted.length === 1 ? sorted[0]! : `${sorted[0]} and ${sorted.length - 1} more`
}

export function checkArchitecture(rootDir: string): ArchReport {
  const root = realpathSync(resolve(rootDir))
  const units = findUnits(root)
  const byName = new Map(units.filter((u) => u.name !== undefined).map((u) => [u.name!, u]))
  const violations: Violation[] = []
  const report = (kind: ViolationKind, message: string): void => {
    violations.push({ kind, message: `${kind}: ${message}` })
  }

  const files: SourceFile[] = []
  for (const unit of units) {
    const areas: Array<['src' | 'test' | 'bench', string]> =
      unit.name === undefined
        ? [['bench', unit.dir]]
        : [
            ['src', join(unit.dir, 'src')],
            ['test', join(unit.dir, 'test')],
          ]
    for (const [area, dir] of areas) {
      for (const path of listSources(dir)) {
        const imports = extractImports(path, readFileSync(path, 'utf8'))
        files.push({ path, rel: toPosix(relative(root, path)), unit, area, imports })
      }
    }
  }

  // Module graph (relative imports) and every workspace-package use.
  const moduleGraph = new Map<string, Set<string>>()
  const valueEdges = new Set<string>() // "from\0to" with at least one non-type import
  const packageGraph = new Map<string, Set<string>>()
  const packageEdgeExample = new Map<string, string>()
  // unit short → dep name → files that import it, per area
  const uses = new Map<string, { src: Map<string, string[]>; test: Map<string, string[]> }>()
  const seenLines = new Set<string>()
  const once = (kind: ViolationKind, message: string): void => {
    if (seenLines.has(message)) return
    seenLines.add(message)
    report(kind, message)
  }
  const addPackageEdge = (from: Unit, to: Unit, file: SourceFile): void => {
    if (from === to) return
    const set = packageGraph.get(from.short) ?? new Set<string>()
    set.add(to.short)
    packageGraph.set(from.short, set)
    const key = `${from.short}\0${to.short}`
    if (!packageEdgeExample.has(key)) packageEdgeExample.set(key, file.rel.slice(from.rel.length + 1))
  }

  for (const file of files) {
    moduleGraph.set(file.rel, moduleGraph.get(file.rel) ?? new Set())
    for (const ref of file.imports) {
      const spec = ref.specifier
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveRelative(file.path, spec)
        if (target === undefined) continue // not a source module (json, wasm …): nothing to check
        const targetRel = toPosix(relative(root, target))
        moduleGraph.get(file.rel)!.add(targetRel)
        if (!ref.typeOnly) valueEdges.add(`${file.rel}\0${targetRel}`)
        const targetUnit = unitOf(units, target)
        if (targetUnit !== undefined && targetUnit !== file.unit) {
          const via = targetUnit.name !== undefined ? ` (reach ${targetUnit.short} through ${targetUnit.name})` : ''
          once('deep import', `${file.rel}:${ref.line} imports ${spec}, a file of ${targetUnit.rel}${via}`)
          addPackageEdge(file.unit, targetUnit, file)
          const rule = file.area === 'src' ? isForbidden(file.unit.short, targetUnit.short) : undefined
          if (rule !== undefined) {
            once('forbidden', `${file.rel} imports ${spec} (${file.unit.short} → ${targetUnit.short}: ${rule.why})`)
          }
        }
        continue
      }
      const [pkgName, subpath] = splitBare(spec)
      const target = byName.get(pkgName)
      if (target === undefined) continue // node: builtin or third-party package
      if (subpath !== '') {
        const exported = target.exportedSubpaths
        const internal = subpath === 'src' || subpath === 'dist' || subpath.startsWith('src/') || subpath.startsWith('dist/')
        if (internal || (exported !== undefined && !exported.has(`./${subpath}`))) {
          once('deep import', `${file.rel}:${ref.line} imports ${spec} (use ${pkgName})`)
        }
      }
      if (target === file.unit) continue // a package's tests may import it by its own name
      addPackageEdge(file.unit, target, file)
      if (file.area === 'src') {
        const rule = isForbidden(file.unit.short, target.short)
        if (rule !== undefined) {
          once('forbidden', `${file.rel} imports ${pkgName} (${file.unit.short} → ${target.short}: ${rule.why})`)
        }
      }
      if (file.area !== 'bench') {
        const entry = uses.get(file.unit.short) ?? { src: new Map(), test: new Map() }
        uses.set(file.unit.short, entry)
        const map = entry[file.area]
        map.set(pkgName, [...(map.get(pkgName) ?? []), file.rel.slice(file.unit.rel.length + 1)])
      }
    }
  }

  // Cycles between modules.
  for (const cycle of cyclesOf(moduleGraph)) {
    report(
      'cycle',
      formatCycle(cycle, (a, b) => !valueEdges.has(`${a}\0${b}`)),
    )
  }

  // Cycles between packages.
  for (const cycle of cyclesOf(packageGraph)) {
    const via: string[] = []
    for (let i = 0; i + 1 < cycle.length; i++) {
      via.push(`${cycle[i]}/${packageEdgeExample.get(`${cycle[i]}\0${cycle[i + 1]}`)} imports ${cycle[i + 1]}`)
    }
    report('package cycle', `${cycle.join(' → ')} (${via.join('; ')})`)
  }

  // Declared vs imported workspace dependencies.
  for (const unit of units) {
    if (unit.name === undefined) continue
    const used = uses.get(unit.short) ?? { src: new Map<string, string[]>(), test: new Map<string, string[]>() }
    for (const dep of [...unit.dependencies].sort()) {
      if (!byName.has(dep) || dep === unit.name) continue
      if (used.src.has(dep)) continue
      if (used.test.has(dep)) {
        report('unused dependency', `${unit.rel} declares ${dep} in dependencies but only its tests import it (move it to devDependencies)`)
      } else {
        report('unused dependency', `${unit.rel} declares ${dep} but never imports it`)
      }
    }
    for (const dep of [...unit.devDependencies].sort()) {
      if (!byName.has(dep) || dep === unit.name || unit.dependencies.has(dep)) continue
      if (!used.src.has(dep) && !used.test.has(dep)) {
        report('unused dependency', `${unit.rel} declares ${dep} in devDependencies but never imports it`)
      }
    }
    for (const [dep, where] of [...used.src].sort(([a], [b]) => a.localeCompare(b))) {
      if (unit.dependencies.has(dep)) continue
      const also = unit.devDependencies.has(dep) ? ', only in devDependencies' : ''
      report('undeclared dependency', `${unit.rel} imports ${dep} from ${moreFiles(where)} but does not declare it in dependencies${also}`)
    }
    for (const [dep, where] of [...used.test].sort(([a], [b]) => a.localeCompare(b))) {
      if (unit.dependencies.has(dep) || unit.devDependencies.has(dep)) continue
      report('undeclared dependency', `${unit.rel} imports ${dep} from ${moreFiles(where)} but declares it neither in dependencies nor in devDependencies`)
    }
  }

  return { violations, files: files.length, packages: units.filter((u) => u.name !== undefined).length }
}

const ORDER: readonly ViolationKind[] = ['package cycle', 'cycle', 'forbidden', 'deep import', 'undeclared dependency', 'unused dependency']

export function formatReport(report: ArchReport): string[] {
  const sorted = [...report.violations].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.message.localeCompare(b.message))
  return sorted.map((v) => v.message)
}

function main(argv: readonly string[]): number {
  const root = argv[0] ?? process.cwd()
  let report: ArchReport
  try {
    report = checkArchitecture(root)
  } catch (err) {
    console.error(`arch check: cannot run on ${root}: ${err instanceof Error ? err.message : String(err)}`)
    return 2
  }
  const lines = formatReport(report)
  for (const line of lines) console.log(line)
  const summary = `(${report.files} files, ${report.packages} packages)`
  if (lines.length > 0) {
    console.log(`arch check: ${lines.length} violation${lines.length === 1 ? '' : 's'} ${summary}`)
    return 1
  }
  console.log(`arch check: ok ${summary}`)
  return 0
}

const invoked = process.argv[1]
if (invoked !== undefined && realpathSync(invoked) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2))
}
