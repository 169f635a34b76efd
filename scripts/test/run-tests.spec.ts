import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { orderTestFiles } from '../src/run-tests.js'

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
