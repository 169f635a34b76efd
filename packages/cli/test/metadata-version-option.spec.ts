import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runInProcess } from './fixtures/in-process.js'

const run = runInProcess

describe('--metadata-version', () => {
  for (const command of ['node', 'dev']) {
    for (const bad of ['15', '11', 'v14', '']) {
      it(`error: crust ${command} --metadata-version '${bad}' is one line naming the flag and the versions, exit 1`, async () => {
        const { code, stderr } = await run([command, '--metadata-version', bad])
        assert.equal(code, 1)
        assert.equal(stderr.trimEnd().split('\n').length, 1, stderr)
        assert.match(stderr, /--metadata-version/)
        assert.match(stderr, /expected 12, 13 or 14/)
      })
    }
  }
})
