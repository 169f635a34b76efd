/** The LMDB commit-failure guard tells lmdb-js's own rejections of a failed commit from every other rejection. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isLmdbCommitFailure } from '../src/index.js'

const withStack = (message: string, frames: string[]) => {
  const err = new Error(message)
  err.stack = [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n')
  return err
}

describe('isLmdbCommitFailure', () => {
  it("behavior: errors made in lmdb's write path (a failed commit, its I/O error) are lmdb's", () => {
    assert.equal(
      isLmdbCommitFailure(
        withStack('Commit failed (see commitError for details)', [
          'rejectCommit (file:///app/node_modules/lmdb/write.js:612:17)',
          'resolveWrites (file:///app/node_modules/lmdb/write.js:574:40)',
        ]),
      ),
      true,
    )
    assert.equal(isLmdbCommitFailure(withStack('Input/output error', ['Function.<anonymous> (file:///app/node_modules/lmdb/write.js:516:7)'])), true)
  })

  it('error: any other rejection is not, even one that passed through lmdb later on, or not an Error at all', () => {
    assert.equal(
      isLmdbCommitFailure(withStack('boom', ['Chain.importBlock (file:///app/chain.js:1:1)', 'x (file:///app/node_modules/lmdb/write.js:1:1)'])),
      false,
    )
    assert.equal(isLmdbCommitFailure(withStack('boom', ['x (file:///app/node_modules/not-lmdb/write.js:1:1)'])), false)
    assert.equal(isLmdbCommitFailure('Commit failed'), false)
    assert.equal(isLmdbCommitFailure(undefined), false)
  })
})
