/**
 * The testnet's control API over a recording stand-in for the network: requests reach the right
 * action with the right arguments; bad requests get 4xx JSON with a stable code and never reach it.
 */
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { CliError } from '../src/errors.js'
import { serveControl, type TestnetControl } from '../src/commands/testnet/control.js'
import { withClockOffset } from '../src/commands/testnet/clock-offset.js'

describe('testnet control API', () => {
  const calls: unknown[][] = []
  let server: Server
  let url: string

  /** Records an action on a known host (an unknown one fails as the testnet's lookup does). */
  const record = async (...call: unknown[]): Promise<void> => {
    const name = call[1] as string
    if (name !== 'validator-1') throw new CliError('CLI_ERROR_TESTNET_UNKNOWN_HOST', `no host named ${name}`)
    calls.push(call)
  }
  const control: TestnetControl = {
    info: () => ({ validators: [{ name: 'validator-1' }] }),
    cut: (name) => record('cut', name),
    heal: (name) => record('heal', name),
    kill: (name, signal) => record('kill', name, signal),
    restart: (name, clockOffsetMs) => (clockOffsetMs === undefined ? record('restart', name) : record('restart', name, clockOffsetMs)),
    setFaults: async (faults) => {
      calls.push(['faults', faults])
    },
  }

  before(async () => {
    server = await serveControl(control, 0)
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  after(() => server.close())

  const post = async (path: string, body: string) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    return { status: res.status, body: (await res.json()) as { code?: string; ok?: boolean } }
  }

  it('behavior: cut, heal, kill (SIGKILL unless told), restart and faults reach their actions', async () => {
    calls.length = 0
    for (const path of ['/cut', '/heal', '/kill', '/restart']) assert.equal((await post(path, '{"name":"validator-1"}')).status, 200)
    assert.equal((await post('/kill', '{"name":"validator-1","signal":"SIGTERM"}')).status, 200)
    assert.equal((await post('/restart', '{"name":"validator-1","clockOffsetMs":-2500}')).status, 200)
    assert.equal((await post('/faults', '{"latencyMs":120,"loss":0.05}')).status, 200)
    assert.deepEqual(calls, [
      ['cut', 'validator-1'],
      ['heal', 'validator-1'],
      ['kill', 'validator-1', 'SIGKILL'],
      ['restart', 'validator-1'],
      ['kill', 'validator-1', 'SIGTERM'],
      ['restart', 'validator-1', -2500],
      ['faults', { latencyMs: 120, loss: 0.05 }],
    ])
    const res = await fetch(`${url}/network`)
    assert.deepEqual(await res.json(), { validators: [{ name: 'validator-1' }] })
  })

  it('error: bad requests get 4xx with a stable code and reach no action', async () => {
    calls.length = 0
    const cases: Array<[string, string, number, string]> = [
      ['/cut', 'not json', 400, 'TESTNET_ERROR_BAD_JSON'],
      ['/cut', '{}', 400, 'TESTNET_ERROR_NO_NAME'],
      ['/kill', '{"name":"validator-1","signal":"SIGHUP"}', 400, 'TESTNET_ERROR_BAD_SIGNAL'],
      ['/faults', '{"loss":2}', 400, 'TESTNET_ERROR_BAD_FAULT'],
      ['/restart', '{"name":"validator-1","clockOffsetMs":1.5}', 400, 'TESTNET_ERROR_BAD_CLOCK_OFFSET'],
      ['/restart', '{"name":"validator-1","clockOffsetMs":"1000"}', 400, 'TESTNET_ERROR_BAD_CLOCK_OFFSET'],
      ['/reboot', '{"name":"validator-1"}', 404, 'TESTNET_ERROR_NOT_FOUND'],
      ['/cut', '{"name":"validator-9"}', 404, 'CLI_ERROR_TESTNET_UNKNOWN_HOST'],
      ['/cut', `{"name":"${'x'.repeat(70_000)}"}`, 413, 'TESTNET_ERROR_BODY_TOO_LARGE'],
    ]
    for (const [path, body, status, code] of cases) {
      const res = await post(path, body)
      assert.deepEqual([res.status, res.body.code], [status, code], `${path} ${body.slice(0, 40)}`)
    }
    assert.deepEqual(calls, [])
    assert.equal((await fetch(`${url}/cut`)).status, 405)
  })
})

describe('withClockOffset', () => {
  it("behavior: sets, replaces and removes a validator's test clock offset, keeping its other arguments", () => {
    const args = ['--chain', 'local', '--validator', '//Bob//stash']
    const skewed = withClockOffset(args, 2500)
    assert.deepEqual(skewed, [...args, '--test-clock-offset-ms=2500'])
    assert.deepEqual(withClockOffset(skewed, -700), [...args, '--test-clock-offset-ms=-700'])
    assert.deepEqual(withClockOffset(skewed, 0), args)
  })
})
