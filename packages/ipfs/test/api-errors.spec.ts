/**
 * Bad input answered as Kubo does (status codes, JSON `{Message, Code, Type}` for command errors,
 * plain text for requests go-ipfs-cmds rejects before a command runs, the `X-Stream-Error` trailer
 * after output started), and the server keeps serving afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import { createKuboApiServer, KuboApiServerError } from '../src/api/index.js'
import { type ApiFixture, all, startApi } from './fixtures/api-server.js'
import { deterministicBytes } from './fixtures/deterministic.js'
import { multipart, rawRequest } from './fixtures/raw-http.js'
import { createTcpNode } from './fixtures/tcp-node.js'

const enc = new TextEncoder()
const BOUNDARY = 'test-boundary-1234'
const MULTIPART = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }

async function json(res: Response): Promise<unknown> {
  assert.equal(res.headers.get('content-type'), 'application/json')
  return res.json()
}

describe('api: errors', () => {
  let api: ApiFixture

  before(async () => {
    api = await startApi(undefined, { maxHeaderBytes: 8192, maxBodyBytes: 1024 * 1024 })
  })

  after(async () => {
    await api.stop()
  })

  async function stillServes(): Promise<void> {
    const res = await api.call('version')
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { Repo: string }).Repo, '16')
  }

  it('error: unknown command, path outside /api/v0 and GET are 404/404/405 in plain text', async () => {
    for (const [path, method, status, text] of [
      ['/api/v0/no-such-command', 'POST', 404, '404 page not found\n'],
      ['/api/v0/block/nope', 'POST', 404, '404 page not found\n'],
      ['/elsewhere', 'POST', 404, '404 page not found\n'],
      ['/api/v0/version', 'GET', 405, '405 - Method Not Allowed\n'],
    ] as const) {
      const res = await fetch(`${api.url}${path}`, { method })
      assert.equal(res.status, status, `${method} ${path}`)
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8')
      assert.equal(await res.text(), text)
      if (status === 405) assert.equal(res.headers.get('allow'), 'OPTIONS, POST')
    }
    await stillServes()
  })

  it('error: missing arguments and bad option values are 400 in plain text', async () => {
    const missing = await api.call('cat')
    assert.equal(missing.status, 400)
    assert.equal(await missing.text(), 'argument "ipfs-path" is required\n')
    const bad = await api.call('cat', 'arg=QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o&offset=abc')
    assert.equal(bad.status, 400)
    assert.equal(await bad.text(), 'could not convert value "abc" to type "int64" (for option "-offset")\n')
    const noBody = await api.call('add')
    assert.equal(noBody.status, 400)
    assert.equal(await noBody.text(), "file argument 'path' is required\n")
    const notMultipart = await api.call('add', '', { body: 'hello', headers: { 'Content-Type': 'text/plain' } })
    assert.equal(notMultipart.status, 400)
    assert.equal(await notMultipart.text(), "file argument 'path' is required\n")
    const noBoundary = await api.call('add', '', { body: 'hello', headers: { 'Content-Type': 'multipart/form-data' } })
    assert.equal(noBoundary.status, 400)
    assert.equal(await noBoundary.text(), 'no multipart boundary param in Content-Type\n')
    await stillServes()
  })

  it('error: an invalid CID is a 500 with Kubo JSON error, also through kubo-rpc-client', async () => {
    for (const arg of ['notacid', '/ipfs/notacid', 'QmInvalid0OIl']) {
      const res = await api.call('cat', `arg=${encodeURIComponent(arg)}`)
      assert.equal(res.status, 500)
      const body = (await json(res)) as { Message: string; Code: number; Type: string }
      assert.equal(body.Code, 0)
      assert.equal(body.Type, 'error')
      assert.match(body.Message, new RegExp(`^invalid path "${arg.replaceAll('/', '\\/')}": `))
    }
    await assert.rejects(all(api.client.cat('notacid')), /invalid path "notacid"/)
    await assert.rejects(api.client.block.stat('bafyinvalid' as never), /invalid path/)
    await stillServes()
  })

  it('error: a directory cannot be cat, a file cannot be walked into, invalid options are refused', async () => {
    const dir = (await all(api.client.addAll([{ path: 'd/x', content: enc.encode('x') }]))).at(-1)!
    await assert.rejects(all(api.client.cat(dir.cid)), /this dag node is a directory/)
    await assert.rejects(all(api.client.cat(`${dir.cid}/x/y`)), /no link named "y"/)
    await assert.rejects(all(api.client.cat(`${dir.cid}/nope`)), /no link named "nope"/)
    await assert.rejects(api.client.add(enc.encode('x'), { chunker: 'size-0' }), /chunker size must be greater than 0/)
    await assert.rejects(api.client.add(enc.encode('x'), { chunker: 'rabin' }), /not supported/)
    await assert.rejects(api.client.add(enc.encode('x'), { cidVersion: 2 } as never), /unknown CID version: 2/)
    await assert.rejects(api.client.add(enc.encode('x'), { hashAlg: 'sha2-512', cidVersion: 0 } as never), /CIDv0 only supports sha2-256/)
    const res = await api.call('pin/ls', 'type=bogus')
    assert.equal(res.status, 500)
    assert.match(((await json(res)) as { Message: string }).Message, /invalid type 'bogus'/)
    const conflict = await api.call('files/stat', `arg=/ipfs/${dir.cid}&hash=true&size=true`)
    assert.equal(conflict.status, 400, 'client errors (Code 1) are 400')
    assert.equal(((await json(conflict)) as { Code: number }).Code, 1)
    await stillServes()
  })

  it('error: path traversal in a multipart filename is refused and nothing is added', async () => {
    const pinsBefore = (await all(api.client.pin.ls())).length
    for (const name of ['../../etc/passwd', 'dir/../../x', '..%2F..%2Fescape']) {
      const body = multipart(BOUNDARY, [[name, 'evil']])
      const res = await api.call('add', '', { body, headers: MULTIPART })
      assert.equal(res.status, 400, name)
      const err = (await json(res)) as { Message: string; Code: number }
      assert.equal(err.Code, 1)
      assert.match(err.Message, /path traversal/)
    }
    assert.equal((await all(api.client.pin.ls())).length, pinsBefore)
    await stillServes()
  })

  it('error: a malformed multipart body gets a clear 400', async () => {
    const truncated = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\nContent-Type: application/octet-stream\r\n\r\nhello`,
    )
    const res = await rawRequest(`${api.url}/api/v0/add`, { body: truncated, headers: MULTIPART })
    assert.equal(res.status, 400)
    const err = JSON.parse(res.body.toString()) as { Message: string; Code: number; Type: string }
    assert.deepEqual([err.Code, err.Type], [1, 'error'])
    assert.match(err.Message, /malformed multipart body/)
    const garbage = await rawRequest(`${api.url}/api/v0/add`, {
      body: Buffer.from(`--${BOUNDARY}\r\nthis is not a header\r\n\r\nhello\r\n--${BOUNDARY}--\r\n`),
      headers: MULTIPART,
    })
    assert.equal(garbage.status, 400)
    assert.match(JSON.parse(garbage.body.toString()).Message, /malformed multipart body|expected a file argument/)
    await stillServes()
  })

  it('error: dag import refuses a CAR whose block does not hash to its CID', async () => {
    const added = await api.client.add(enc.encode('car block'))
    const car = Buffer.concat(await all(api.client.dag.export(added.cid)))
    car[car.length - 1] ^= 0xff
    await assert.rejects(all(api.client.dag.import([car])), /import failed at block "Qm\w+": block data does not match its CID/)
    await assert.rejects(all(api.client.dag.import([Buffer.from('not a car')])), /import failed/)
    await stillServes()
  })

  it('behavior: the last path segment is an argument of a runnable command (/api/v0/cat/<cid>)', async () => {
    const added = await api.client.add(enc.encode('path arg'))
    const res = await fetch(`${api.url}/api/v0/cat/${added.cid}`, { method: 'POST' })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'path arg')
  })

  it('error: invalid server options, a busy port and a second start are refused', async () => {
    const code = (c: string) => (err: unknown) => err instanceof KuboApiServerError && err.code === c
    assert.throws(() => createKuboApiServer(api.node, { port: 70000 }), code('IPFS_API_ERROR_INVALID_OPTIONS'))
    assert.throws(() => createKuboApiServer(api.node, { port: 0, maxBodyBytes: 0 }), code('IPFS_API_ERROR_INVALID_OPTIONS'))
    const busy = createKuboApiServer(api.node, { port: Number(new URL(api.url).port) })
    await assert.rejects(busy.start(), code('IPFS_API_ERROR_LISTEN'))
    const server = createKuboApiServer(api.node, { port: 0 })
    const { host } = await server.start()
    assert.equal(host, '127.0.0.1', 'bound to loopback by default')
    await assert.rejects(server.start(), code('IPFS_API_ERROR_ALREADY_STARTED'))
    await server.stop()
    await server.stop()
  })

  it('error: a request head over maxHeaderBytes gets 431 and the server keeps serving', async () => {
    const res = await rawRequest(`${api.url}/api/v0/version`, { headers: { 'X-Huge': 'a'.repeat(16 * 1024) } })
    assert.equal(res.status, 431)
    assert.equal(res.body.toString(), '431 Request Header Fields Too Large')
    await stillServes()
  })

  it('error: a body over maxBodyBytes gets 413, announced or streamed', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1)
    const announced = await rawRequest(`${api.url}/api/v0/add`, { body: multipart(BOUNDARY, [['big', big]]), headers: MULTIPART })
    assert.equal(announced.status, 413)
    assert.match(JSON.parse(announced.body.toString()).Message, /request body exceeds the limit of 1048576 bytes/)
    const streamed = await rawRequest(`${api.url}/api/v0/add`, {
      headers: { ...MULTIPART, 'Transfer-Encoding': 'chunked' },
      body: (async function* () {
        yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big"\r\nContent-Type: application/octet-stream\r\n\r\n`)
        yield* deterministicBytes(3 * 1024 * 1024, 'too-big')
        yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
      })(),
    })
    assert.equal(streamed.status, 413)
    assert.equal(JSON.parse(streamed.body.toString()).Code, 1)
    await stillServes()
  })

  it('error: browser requests from foreign origins are refused (CSRF)', async () => {
    const foreign = await api.call('version', '', { headers: { Origin: 'http://evil.example' } })
    assert.equal(foreign.status, 403)
    assert.equal(await foreign.text(), '403 - Forbidden\n')
    const browser = await api.call('version', '', { headers: { 'User-Agent': 'Mozilla/5.0' } })
    assert.equal(browser.status, 403)
    const own = await api.call('version', '', { headers: { Origin: api.url } })
    assert.equal(own.status, 200)
    assert.equal(own.headers.get('access-control-allow-origin'), api.url)
    await own.arrayBuffer()
  })

  it('error: a failure after output started is reported in the X-Stream-Error trailer', async () => {
    const added = await api.client.add(deterministicBytes(600000, 'trailer'), { pin: false })
    const links = dagPb.decode(await api.client.block.get(added.cid)).Links
    await api.node.helia.blockstore.delete(links[1]!.Hash)
    const res = await rawRequest(`${api.url}/api/v0/cat?arg=${added.cid}`)
    assert.equal(res.status, 200)
    assert.equal(res.headers['x-stream-output'], '1')
    assert.equal(res.body.length, 262144, 'the first chunk went out before the error')
    assert.match(res.trailers['x-stream-error'] ?? '', new RegExp(`could not find ${links[1]!.Hash}`))
    await assert.rejects(api.client.block.get(links[1]!.Hash), /could not find/)
    await stillServes()
  })
})

describe('api: fetch timeouts', () => {
  it('error: a block no peer has fails after the fetch timeout, and after the timeout option', async () => {
    const node = await createTcpNode({ fetchTimeoutMs: 300 })
    const api = await startApi(node)
    try {
      const unknown = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
      const res = await api.call('block/get', `arg=${unknown}`)
      assert.equal(res.status, 500)
      const body = (await res.json()) as { Message: string }
      assert.match(body.Message, /could not be fetched within 300 ms: context deadline exceeded/)
      await assert.rejects(api.client.block.get(unknown as never), (err: Error) => err.name === 'TimeoutError')
      const timed = await api.call('cat', `arg=${unknown}&timeout=50ms`)
      assert.equal(timed.status, 500)
      assert.match(((await timed.json()) as { Message: string }).Message, /context deadline exceeded/)
      const bad = await api.call('cat', `arg=${unknown}&timeout=soon`)
      assert.equal(bad.status, 400)
    } finally {
      await api.stop()
    }
  })
})
