/**
 * The chain's layers import only downward (primitives, state <- db, frame <- pallets <- runtime <-
 * spec <- chain <- node), and no module imports itself back through others, type-only imports
 * included.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** Each top-level folder (or root file) and its rank: a module may import only its own rank or lower. */
const RANK: Record<string, number> = {
  'constants.ts': 0,
  primitives: 0,
  state: 0,
  db: 1,
  frame: 1,
  pallets: 2,
  runtime: 3,
  spec: 4,
  chain: 5,
  node: 6,
  'index.ts': 7,
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/g

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const deps = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => relative(SRC, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))))
    graph.set(relative(SRC, file), deps)
  }
  return graph
}

const layerOf = (path: string): string => path.split('/')[0]!

describe('chain layers', () => {
  const graph = importGraph()

  it('behavior: every module sits in a known layer and imports only its own layer or lower ones', () => {
    const upward: string[] = []
    for (const [file, deps] of graph) {
      const rank = RANK[layerOf(file)]
      assert.notEqual(rank, undefined, `${file} is in no layer`)
      for (const dep of deps) if ((RANK[layerOf(dep)] ?? Number.POSITIVE_INFINITY) > rank!) upward.push(`${file} -> ${dep}`)
    }
    assert.deepEqual(upward, [])
  })

  it('behavior: there is no import cycle, type-only imports included', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
        return
      }
      state.set(file, 'open')
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file])
      state.set(file, 'done')
    }
    for (const file of graph.keys()) visit(file, [])
    assert.deepEqual(cycles, [])
  })
})
