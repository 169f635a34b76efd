/**
 * `crust gateway` whose chain node does not answer: it ends at once with one readable line and
 * exit 1, instead of printing an empty reason and hanging on the chain client's reconnects (what a
 * chaos run saw when it restarted the gateway while its chain node was down).
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { it } from 'node:test'
import { makeBasePath } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'

/** A loopback port nobody listens on (taken, then released). */
async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

it('error: no chain node at --chain: one line naming the URL and what to do, exit 1', { timeout: 120_000 }, async () => {
  const base = makeBasePath()
  try {
    const chain = `ws://127.0.0.1:${await deadPort()}`
    const run = await runCrust(['gateway', '--chain', chain, '--account', '//Alice', '--data', join(base.path, 'gw'), '--port', '0', '--psa-port', '0'])
    assert.equal(run.code, 1, run.stderr)
    assert.match(run.stderr, new RegExp(`^error: cannot start the gateway: no chain node answers at ${chain}: [^\\n]+\\(CLI_ERROR_GATEWAY\\)\\n$`))
  } finally {
    base.remove()
  }
})
