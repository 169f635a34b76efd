import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FileSpans, orderTestFiles } from '../src/run-tests.js'

describe('orderTestFiles', () => {
  it('behavior: the known-long files come first in their listed order, the others after in the given order', () => {
    const files = [
      'packages/a/dist/test/x.spec.js',
      'packages/cli/dist/test/upload.e2e.js',
      'packages/a/dist/test/y.e2e.js',
      'packages/cli/dist/test/storage-path.e2e.js',
      'scripts/dist/test/z.spec.js',
    ]
    assert.deepEqual(orderTestFiles(files, ['cli/storage-path.e2e', 'cli/upload.e2e']), [
      'packages/cli/dist/test/storage-path.e2e.js',
      'packages/cli/dist/test/upload.e2e.js',
      'packages/a/dist/test/x.spec.js',
      'packages/a/dist/test/y.e2e.js',
      'scripts/dist/test/z.spec.js',
    ])
  })

  it('behavior: every file given comes back exactly once', () => {
    const files = ['packages/cli/dist/test/testnet.e2e.js', 'packages/b/dist/test/q.spec.js', 'packages/cli/dist/test/storage-path.e2e.js']
    assert.deepEqual([...orderTestFiles(files)].sort(), [...files].sort())
  })
})

describe('FileSpans', () => {
  it("behavior: lists files by the time between their first and last event, longest first, and the last file's solo tail", () => {
    const spans = new FileSpans()
    spans.saw('/repo/packages/a/dist/test/long.e2e.js', 0)
    spans.saw('/repo/packages/b/dist/test/short.spec.js', 1_000)
    spans.saw('/repo/packages/b/dist/test/short.spec.js', 3_000)
    spans.saw(undefined, 50_000)
    spans.saw('/repo/packages/a/dist/test/long.e2e.js', 10_000)
    const report = spans.report(5, 12_000, '/repo')
    const rows = report.split('\n').filter((l) => l.includes(' s  from '))
    assert.equal(rows.length, 2)
    assert.match(rows[0]!, /^\s+10\.0 s .* packages\/a\/dist\/test\/long\.e2e\.js$/)
    assert.match(rows[1]!, /^\s+2\.0 s .* packages\/b\/dist\/test\/short\.spec\.js$/)
    assert.match(report, /the last file ran 7 s after the one before it ended/)
  })
})
