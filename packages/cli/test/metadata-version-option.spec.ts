import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { main } from '../src/program.js'

/** Runs the CLI in-process and returns its exit code and what it wrote to stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    return true
  }) as typeof process.stderr.write
  try {
    return { code: await main(argv), stderr }
  } finally {
    process.stderr.write = write
  }
}

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
