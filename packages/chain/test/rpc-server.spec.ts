import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { afterEach, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { CrustError } from '@crust-ts/base'
import {
  INTERNAL_ERROR_CODE,
  INVALID_PARAMS_CODE,
  INVALID_REQUEST_CODE,
  METHOD_NOT_FOUND_CODE,
  OVERSIZED_REQUEST_CODE,
  OVERSIZED_RESPONSE_CODE,
  PARSE_ERROR_CODE,
  RpcError,
  RpcServer,
  type RpcServerInit,
  RpcServerError,
  SERVER_IS_BUSY_CODE,
  type SubscriptionSink,
  type SubscriptionSpec,
  TOO_BIG_BATCH_REQUEST_CODE,
  TOO_MANY_SUBSCRIPTIONS_CODE,
} from '../src/node/rpc/index.js'

interface RpcErrorJson {
  code: number
  message: string
  data?: unknown
}

/** Any message the server sends: a response or a notification. */
interface Message {
  jsonrpc: string
  id?: unknown
  result?: unknown
  error?: RpcErrorJson
  method?: string
  params?: { subscription: string; result: unknown }
}

interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Logger that records everything and lets a test wait for a given message. */
class TestLogger {
  readonly warns: Array<{ obj: object; msg: string }> = []
  private readonly waiters: Array<{ msg: string; d: Deferred<object> }> = []

  warn(obj: object, msg: string): void {
    this.warns.push({ obj, msg })
    this.emit(obj, msg)
  }

  debug(obj: object, msg: string): void {
    this.emit(obj, msg)
  }

  /** Resolves on the next log line with this message. */
  next(msg: string): Promise<object> {
    const d = deferred<object>()
    this.waiters.push({ msg, d })
    return d.promise
  }

  private emit(obj: object, msg: string): void {
    for (let i = 0; i < this.waiters.length; i++) {
      const waiter = this.waiters[i]!
      if (waiter.msg === msg) {
        this.waiters.splice(i, 1)
        waiter.d.resolve(obj)
        return
      }
    }
  }
}

/** A WebSocket client that queues every message; `next()` rejects once the socket closed. */
class Client {
  readonly ws: WebSocket
  readonly closed: Promise<{ code: number; reason: string }>
  private readonly queue: string[] = []
  private readonly waiters: Array<{ resolve: (s: string) => void; reject: (e: Error) => void }> = []
  private isClosed = false
  private nextId = 1

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => {
      const text = data.toString()
      const waiter = this.waiters.shift()
      if (waiter !== undefined) waiter.resolve(text)
      else this.queue.push(text)
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`socket closed with ${code}`))
        resolve({ code, reason: reason.toString() })
      })
    })
    ws.on('error', () => {})
  }

  static open(url: string): Promise<Client> {
    const ws = new WebSocket(url)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)))
      ws.once('error', reject)
    })
  }

  nextRaw(): Promise<string> {
    const text = this.queue.shift()
    if (text !== undefined) return Promise.resolve(text)
    if (this.isClosed) return Promise.reject(new Error('socket closed'))
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }))
  }

  async next(): Promise<Message> {
    return JSON.parse(await this.nextRaw()) as Message
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** Sends a call and returns the next message (tests keep calls sequential). */
  async call(method: string, params?: unknown): Promise<Message> {
    const id = this.nextId++
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params })
    const message = await this.next()
    assert.equal(message.id, id)
    return message
  }

  async close(): Promise<void> {
    this.ws.close()
    await this.closed
  }
}

interface Started {
  server: RpcServer
  port: number
  wsUrl: string
  httpUrl: string
  logger: TestLogger
}

const servers: RpcServer[] = []
const clients: Client[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate()
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

async function startServer(init: Partial<RpcServerInit> = {}, setup?: (server: RpcServer) => void): Promise<Started> {
  const logger = new TestLogger()
  const server = new RpcServer({ port: 0, logger, ...init })
  server.addMethod('echo', (params) => params)
  server.addMethod('ctx', (_params, ctx) => ctx)
  setup?.(server)
  servers.push(server)
  const { host, port } = await server.start()
  assert.equal(host, '127.0.0.1')
  return { server, port, wsUrl: `ws://127.0.0.1:${port}/`, httpUrl: `http://127.0.0.1:${port}/`, logger }
}

async function connect(started: Started): Promise<Client> {
  const client = await Client.open(started.wsUrl)
  clients.push(client)
  return client
}

async function post(
  started: Started,
  body: string | object,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; text: string }> {
  const res = await fetch(started.httpUrl, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, text: await res.text() }
}

async function postJson(started: Started, body: string | object): Promise<Message | Message[]> {
  const { status, text } = await post(started, body)
  assert.equal(status, 200)
  return JSON.parse(text) as Message | Message[]
}

function single(value: Message | Message[]): Message {
  assert.ok(!Array.isArray(value))
  return value
}

/** A subscription kind whose handler the test drives through `onStart`. */
function testSubscription(
  name: string,
  onStart: (params: unknown[], sink: SubscriptionSink) => void,
  onCleanup: (sink: SubscriptionSink) => void = () => {},
): SubscriptionSpec {
  return {
    subscribe: [`test_subscribe${name}`, `test_subscribe${name}Alias`],
    unsubscribe: [`test_unsubscribe${name}`],
    notification: `test_${name.toLowerCase()}`,
    handler: (params, sink) => {
      onStart(params, sink)
      return () => onCleanup(sink)
    },
  }
}

describe('RpcServer transport', () => {
  it('behavior: one port serves WebSocket and HTTP POST', async () => {
    const s = await startServer()
    const client = await connect(s)
    const viaWs = await client.call('echo', [1, 'two', { three: 3 }])
    assert.deepEqual(viaWs, { jsonrpc: '2.0', result: [1, 'two', { three: 3 }], id: 1 })
    const viaHttp = single(await postJson(s, { jsonrpc: '2.0', id: 'a', method: 'echo', params: [true] }))
    assert.deepEqual(viaHttp, { jsonrpc: '2.0', result: [true], id: 'a' })

    const wsCtx = (await client.call('ctx')).result as { transport: string; connectionId: number }
    const httpCtx = single(await postJson(s, { jsonrpc: '2.0', id: 1, method: 'ctx' })).result as { transport: string }
    assert.equal(wsCtx.transport, 'ws')
    assert.equal(httpCtx.transport, 'http')
    assert.equal(typeof wsCtx.connectionId, 'number')
  })

  it('behavior: WebSocket on any path', async () => {
    const s = await startServer()
    const client = await Client.open(`ws://127.0.0.1:${s.port}/some/path?x=1`)
    clients.push(client)
    assert.deepEqual((await client.call('echo', [])).result, [])
  })

  it('behavior: absent or null params are passed as []', async () => {
    const s = await startServer()
    const client = await connect(s)
    client.send({ jsonrpc: '2.0', id: 7, method: 'echo' })
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', result: [], id: 7 })
    client.send({ jsonrpc: '2.0', id: 8, method: 'echo', params: null })
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', result: [], id: 8 })
  })

  it('behavior: undefined result is sent as null', async () => {
    const s = await startServer({}, (server) => server.addMethod('nothing', () => undefined))
    const client = await connect(s)
    const res = await client.call('nothing')
    assert.ok(Object.hasOwn(res, 'result'))
    assert.equal(res.result, null)
  })

  it('behavior: rpc_methods lists every name, sorted, with version 1', async () => {
    const s = await startServer({}, (server) => {
      server.addMethod('system_chain', () => 'Crust Dev')
      server.addSubscription(testSubscription('Heads', () => {}))
    })
    const expected = ['ctx', 'echo', 'rpc_methods', 'system_chain', 'test_subscribeHeads', 'test_subscribeHeadsAlias', 'test_unsubscribeHeads']
    assert.deepEqual(s.server.methodNames(), expected)
    const client = await connect(s)
    assert.deepEqual((await client.call('rpc_methods')).result, { version: 1, methods: expected })
    // methods registered after start show up too
    s.server.addMethod('late_method', () => 1)
    const methods = ((await client.call('rpc_methods')).result as { methods: string[] }).methods
    assert.ok(methods.includes('late_method'))
  })

  it('error: duplicate registration is refused', async () => {
    const server = new RpcServer({ port: 0 })
    server.addMethod('a', () => 1)
    assert.throws(() => server.addMethod('a', () => 2), { code: 'RPC_ERROR_DUPLICATE_METHOD' })
    assert.throws(() => server.addMethod('rpc_methods', () => 2), { code: 'RPC_ERROR_DUPLICATE_METHOD' })
    server.addSubscription(testSubscription('A', () => {}))
    const spec = testSubscription('B', () => {})
    assert.throws(() => server.addSubscription({ ...spec, unsubscribe: ['a'] }), RpcServerError)
    // the failed registration left nothing behind
    assert.deepEqual(server.methodNames(), ['a', 'rpc_methods', 'test_subscribeA', 'test_subscribeAAlias', 'test_unsubscribeA'])
    assert.throws(() => new RpcServer({ port: 0, maxBufferedBytes: 10, maxResponseBytes: 20 }), {
      code: 'RPC_ERROR_INVALID_OPTIONS',
    })
    assert.throws(() => new RpcServer({ port: -1 }), { code: 'RPC_ERROR_INVALID_OPTIONS' })
  })

  it('error: start twice, and a port already in use', async () => {
    const s = await startServer()
    await assert.rejects(s.server.start(), { code: 'RPC_ERROR_ALREADY_STARTED' })
    const other = new RpcServer({ port: s.port })
    await assert.rejects(other.start(), (err: unknown) => {
      assert.ok(err instanceof RpcServerError)
      assert.equal(err.code, 'RPC_ERROR_LISTEN')
      assert.ok(err.cause !== undefined)
      return true
    })
    await other.stop()
  })
})

describe('RpcServer errors', () => {
  it('error: -32601 Method not found (WS and HTTP)', async () => {
    const s = await startServer()
    const client = await connect(s)
    const expected = { jsonrpc: '2.0', error: { code: METHOD_NOT_FOUND_CODE, message: 'Method not found' }, id: 1 }
    assert.deepEqual(await client.call('nope'), expected)
    assert.deepEqual(await postJson(s, { jsonrpc: '2.0', id: 1, method: 'nope' }), expected)
  })

  it('error: -32700 Parse error with id null (WS and HTTP)', async () => {
    const s = await startServer()
    const client = await connect(s)
    const expected = { jsonrpc: '2.0', error: { code: PARSE_ERROR_CODE, message: 'Parse error' }, id: null }
    for (const garbage of ['{"jsonrpc":"2.0","id":1,', 'not json', '', '\u0000\u0001']) {
      client.send(garbage)
      assert.deepEqual(await client.next(), expected)
      assert.deepEqual(await postJson(s, garbage), expected)
    }
  })

  it('error: -32600 Invalid request for objects that are not JSON-RPC 2.0 requests', async () => {
    const s = await startServer()
    const client = await connect(s)
    const cases: Array<[unknown, unknown]> = [
      [{ id: 1, method: 'echo' }, 1], // no jsonrpc
      [{ jsonrpc: '1.0', id: 2, method: 'echo' }, 2],
      [{ jsonrpc: '2.0', id: 3 }, 3], // no method
      [{ jsonrpc: '2.0', id: 4, method: 42 }, 4],
      [{ jsonrpc: '2.0', id: 5, method: 'echo', params: 'x' }, 5], // params not structured
      [{ jsonrpc: '2.0', id: { nested: true }, method: 'echo' }, null], // bad id type
      [{ jsonrpc: '2.0', id: [1], method: 'echo' }, null],
      [{ jsonrpc: '2.0' }, null], // not a notification either
      [5, null],
      ['string', null],
      [null, null],
      [true, null],
    ]
    for (const [request, id] of cases) {
      client.send(JSON.stringify(request))
      const expected = { jsonrpc: '2.0', error: { code: INVALID_REQUEST_CODE, message: 'Invalid request' }, id }
      assert.deepEqual(await client.next(), expected, JSON.stringify(request))
      assert.deepEqual(await postJson(s, JSON.stringify(request)), expected, JSON.stringify(request))
    }
  })

  it('error: -32602 Invalid params for named (object) params', async () => {
    const s = await startServer()
    const client = await connect(s)
    assert.deepEqual(await client.call('echo', { a: 1 }), {
      jsonrpc: '2.0',
      error: { code: INVALID_PARAMS_CODE, message: 'Invalid params' },
      id: 1,
    })
  })

  it('error: RpcError from a handler, thrown or rejected, becomes the JSON-RPC error', async () => {
    const s = await startServer({}, (server) => {
      server.addMethod('syncRpcError', () => {
        throw new RpcError(-32000, 'Custom failure', { detail: [1, 2] })
      })
      server.addMethod('asyncRpcError', async () => {
        await Promise.resolve()
        throw new RpcError(1010, 'Invalid Transaction')
      })
      server.addMethod('invalidParams', () => {
        throw RpcError.invalidParams('expected a hash')
      })
    })
    const client = await connect(s)
    assert.deepEqual((await client.call('syncRpcError')).error, {
      code: -32000,
      message: 'Custom failure',
      data: { detail: [1, 2] },
    })
    const asyncError = (await client.call('asyncRpcError')).error!
    assert.deepEqual(asyncError, { code: 1010, message: 'Invalid Transaction' })
    assert.ok(!Object.hasOwn(asyncError, 'data'))
    assert.deepEqual((await client.call('invalidParams')).error, {
      code: INVALID_PARAMS_CODE,
      message: 'Invalid params',
      data: 'expected a hash',
    })
    assert.equal(s.logger.warns.length, 0)
  })

  it('error: any other exception, sync or async, is -32603 with a safe message and a warn log', async () => {
    const s = await startServer({}, (server) => {
      server.addMethod('syncThrow', () => {
        throw new Error('secret db path /var/lib/x')
      })
      server.addMethod('asyncReject', () => Promise.reject(new TypeError('secret')))
      server.addMethod('throwString', () => {
        throw 'not an error object'
      })
    })
    const client = await connect(s)
    for (const method of ['syncThrow', 'asyncReject', 'throwString']) {
      const res = await client.call(method)
      assert.deepEqual(res.error, { code: INTERNAL_ERROR_CODE, message: 'Internal error' })
    }
    const http = single(await postJson(s, { jsonrpc: '2.0', id: 9, method: 'syncThrow' }))
    assert.deepEqual(http.error, { code: INTERNAL_ERROR_CODE, message: 'Internal error' })
    assert.equal(s.logger.warns.length, 4)
    assert.ok(s.logger.warns.every((w) => w.msg === 'rpc handler failed'))
    // the server still works
    assert.deepEqual((await client.call('echo', [1])).result, [1])
  })

  it('error: a bigint (or function) in a result is -32603, not a crash', async () => {
    const s = await startServer({}, (server) => {
      server.addMethod('bigint', () => ({ balance: 10n ** 30n }))
      server.addMethod('fn', () => () => 1)
      server.addMethod('cycle', () => {
        const o: Record<string, unknown> = {}
        o['self'] = o
        return o
      })
      server.addMethod('badErrorData', () => {
        throw new RpcError(-32000, 'bad data', { n: 1n })
      })
    })
    const client = await connect(s)
    for (const method of ['bigint', 'fn', 'cycle', 'badErrorData']) {
      assert.deepEqual((await client.call(method)).error, { code: INTERNAL_ERROR_CODE, message: 'Internal error' }, method)
    }
    assert.ok(s.logger.warns.some((w) => w.msg === 'rpc result not serialisable'))
  })

  it('error: a response over maxResponseBytes is -32008', async () => {
    const s = await startServer({ maxResponseBytes: 1024 }, (server) => {
      server.addMethod('big', () => 'x'.repeat(2000))
    })
    const client = await connect(s)
    assert.deepEqual((await client.call('big')).error, {
      code: OVERSIZED_RESPONSE_CODE,
      message: 'Response is too big',
      data: 'Exceeded max limit of 1024',
    })
  })
})

describe('RpcServer notifications and batches', () => {
  it('behavior: a notification (no id) runs the method and gets no reply', async () => {
    const ran = deferred<unknown[]>()
    const s = await startServer({}, (server) => {
      server.addMethod('record', (params) => {
        ran.resolve(params)
        return 'ignored'
      })
      server.addMethod('failing', () => {
        throw new RpcError(1, 'ignored too')
      })
    })
    const client = await connect(s)
    client.send({ jsonrpc: '2.0', method: 'record', params: ['hello'] })
    client.send({ jsonrpc: '2.0', method: 'failing' })
    client.send({ jsonrpc: '2.0', method: 'unknown_method' })
    assert.deepEqual(await ran.promise, ['hello'])
    // the first message we get is the answer to this call: nothing was sent for the notifications
    assert.deepEqual(await client.call('echo', ['after']), { jsonrpc: '2.0', result: ['after'], id: 1 })

    const http = await post(s, { jsonrpc: '2.0', method: 'echo', params: [] })
    assert.deepEqual(http, { status: 200, text: '' })
  })

  it('behavior: a batch gets an array of responses in order, without notifications', async () => {
    const s = await startServer({}, (server) => {
      server.addMethod('slow', async (params) => {
        await new Promise((resolve) => setImmediate(resolve))
        return params
      })
    })
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'slow', params: ['first'] },
      { jsonrpc: '2.0', method: 'echo', params: ['notification'] },
      { jsonrpc: '2.0', id: 2, method: 'missing' },
      { foo: 'bar' },
      { jsonrpc: '2.0', id: 3, method: 'echo', params: ['third'] },
    ]
    const expected = [
      { jsonrpc: '2.0', result: ['first'], id: 1 },
      { jsonrpc: '2.0', error: { code: METHOD_NOT_FOUND_CODE, message: 'Method not found' }, id: 2 },
      { jsonrpc: '2.0', error: { code: INVALID_REQUEST_CODE, message: 'Invalid request' }, id: null },
      { jsonrpc: '2.0', result: ['third'], id: 3 },
    ]
    const client = await connect(s)
    client.send(batch)
    assert.deepEqual(JSON.parse(await client.nextRaw()), expected)
    assert.deepEqual(await postJson(s, batch), expected)
  })

  it('error: empty batch is -32600, oversized batch is -32010, all-notification batch gets nothing', async () => {
    const s = await startServer({ maxBatchLength: 3 })
    const client = await connect(s)
    client.send([])
    assert.deepEqual(await client.next(), {
      jsonrpc: '2.0',
      error: { code: INVALID_REQUEST_CODE, message: 'Invalid request' },
      id: null,
    })
    const call = { jsonrpc: '2.0', id: 1, method: 'echo' }
    client.send([call, call, call, call])
    assert.deepEqual(await client.next(), {
      jsonrpc: '2.0',
      error: { code: TOO_BIG_BATCH_REQUEST_CODE, message: 'The batch request was too large', data: 'Exceeded max limit of 3' },
      id: null,
    })
    const notification = { jsonrpc: '2.0', method: 'echo' }
    client.send([notification, notification])
    assert.deepEqual((await client.call('echo', ['next'])).result, ['next'])
    assert.deepEqual(await post(s, [notification, notification]), { status: 200, text: '' })
  })
})

describe('RpcServer subscriptions', () => {
  it('behavior: the subscription id is written before a notification sent synchronously in the handler', async () => {
    const s = await startServer({}, (server) => {
      server.addSubscription(
        testSubscription('Heads', (params, sink) => {
          sink.send({ number: 1, params })
          sink.send({ number: 2 })
        }),
      )
    })
    const client = await connect(s)
    client.send({ jsonrpc: '2.0', id: 1, method: 'test_subscribeHeads', params: ['p'] })
    const response = await client.next()
    assert.equal(response.id, 1)
    const subId = response.result
    assert.equal(typeof subId, 'string')
    assert.match(subId as string, /^[0-9a-f]{16}$/)
    assert.deepEqual(await client.next(), {
      jsonrpc: '2.0',
      method: 'test_heads',
      params: { subscription: subId, result: { number: 1, params: ['p'] } },
    })
    assert.deepEqual((await client.next()).params, { subscription: subId, result: { number: 2 } })
  })

  it('behavior: id-before-notification ordering also holds inside a batch and for async handlers', async () => {
    const s = await startServer({}, (server) => {
      server.addSubscription({
        subscribe: ['test_subscribeAsync'],
        unsubscribe: ['test_unsubscribeAsync'],
        notification: 'test_async',
        handler: async (_params, sink) => {
          sink.send('before-await')
          await new Promise((resolve) => setImmediate(resolve))
          sink.send('after-await')
          return () => {}
        },
      })
    })
    const client = await connect(s)
    client.send([
      { jsonrpc: '2.0', id: 1, method: 'test_subscribeAsync' },
      { jsonrpc: '2.0', id: 2, method: 'echo', params: [2] },
    ])
    const batch = JSON.parse(await client.nextRaw()) as Message[]
    assert.equal(batch.length, 2)
    const subId = batch[0]!.result
    assert.equal(batch[1]!.id, 2)
    assert.deepEqual((await client.next()).params, { subscription: subId, result: 'before-await' })
    assert.deepEqual((await client.next()).params, { subscription: subId, result: 'after-await' })
  })

  it('behavior: ids are unpredictable and distinct; aliases start the same kind', async () => {
    const s = await startServer({}, (server) => server.addSubscription(testSubscription('Heads', () => {})))
    const client = await connect(s)
    const ids = new Set<unknown>()
    for (let i = 0; i < 20; i++) {
      const method = i % 2 === 0 ? 'test_subscribeHeads' : 'test_subscribeHeadsAlias'
      ids.add((await client.call(method)).result)
    }
    assert.equal(ids.size, 20)
  })

  it('behavior: unsubscribe returns true once, runs the cleanup, and stops notifications', async () => {
    const sinks: SubscriptionSink[] = []
    const cleaned: string[] = []
    const s = await startServer({}, (server) => {
      server.addSubscription(
        testSubscription(
          'Heads',
          (_params, sink) => sinks.push(sink),
          (sink) => cleaned.push(sink.id),
        ),
      )
      server.addSubscription(testSubscription('Other', () => {}))
    })
    const client = await connect(s)
    const subId = (await client.call('test_subscribeHeads')).result as string
    assert.deepEqual((await client.call('test_unsubscribeOther', [subId])).result, false) // wrong kind
    assert.deepEqual((await client.call('test_unsubscribeHeads', [subId])).result, true)
    assert.deepEqual(cleaned, [subId])
    sinks[0]!.send('too late')
    assert.deepEqual((await client.call('test_unsubscribeHeads', [subId])).result, false)
    assert.deepEqual((await client.call('test_unsubscribeHeads', ['0000000000000000'])).result, false)
    assert.deepEqual((await client.call('test_unsubscribeHeads', [])).result, false)
    assert.deepEqual((await client.call('test_unsubscribeHeads', [42])).result, false)
    assert.deepEqual(cleaned, [subId])
  })

  it('behavior: closing the socket runs every cleanup of that connection', async () => {
    const cleaned: string[] = []
    const allCleaned = deferred()
    const s = await startServer({}, (server) => {
      server.addSubscription(
        testSubscription(
          'Heads',
          () => {},
          (sink) => {
            cleaned.push(sink.id)
            if (cleaned.length === 3) allCleaned.resolve()
          },
        ),
      )
    })
    const client = await connect(s)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await client.call('test_subscribeHeads')).result as string)
    await client.close()
    await allCleaned.promise
    assert.deepEqual(cleaned.sort(), ids.sort())
  })

  it('behavior: subscription ids are per connection', async () => {
    const sinks: SubscriptionSink[] = []
    let cleanups = 0
    const s = await startServer({}, (server) => {
      server.addSubscription(
        testSubscription(
          'Heads',
          (_params, sink) => sinks.push(sink),
          () => cleanups++,
        ),
      )
    })
    const a = await connect(s)
    const b = await connect(s)
    const subId = (await a.call('test_subscribeHeads')).result as string
    assert.deepEqual((await b.call('test_unsubscribeHeads', [subId])).result, false)
    assert.equal(cleanups, 0)
    sinks[0]!.send('still alive')
    assert.deepEqual((await a.next()).params, { subscription: subId, result: 'still alive' })
    // nothing reached b
    assert.deepEqual((await b.call('echo', ['b'])).result, ['b'])
  })

  it('error: a throwing handler gets its error back and creates no subscription', async () => {
    let cleanups = 0
    const s = await startServer({ maxSubscriptionsPerConnection: 1 }, (server) => {
      server.addSubscription({
        subscribe: ['test_subscribeBad'],
        unsubscribe: ['test_unsubscribeBad'],
        notification: 'test_bad',
        handler: (params, sink) => {
          sink.send('must never arrive')
          if (params[0] === 'rpc') throw new RpcError(-32000, 'nope')
          if (params[0] === 'async') return Promise.reject(new Error('boom'))
          throw new Error('boom')
        },
      })
      server.addSubscription(
        testSubscription(
          'Good',
          () => {},
          () => cleanups++,
        ),
      )
    })
    const client = await connect(s)
    assert.deepEqual((await client.call('test_subscribeBad', ['rpc'])).error, { code: -32000, message: 'nope' })
    assert.deepEqual((await client.call('test_subscribeBad', ['sync'])).error, {
      code: INTERNAL_ERROR_CODE,
      message: 'Internal error',
    })
    assert.deepEqual((await client.call('test_subscribeBad', ['async'])).error, {
      code: INTERNAL_ERROR_CODE,
      message: 'Internal error',
    })
    // no notification was queued, and the failed attempts do not count against the limit of 1
    const good = await client.call('test_subscribeGood')
    assert.equal(typeof good.result, 'string')
    assert.equal(cleanups, 0)
  })

  it('behavior: sink.end() closes the subscription server-side, cleanup runs once', async () => {
    const sinks: SubscriptionSink[] = []
    let cleanups = 0
    const s = await startServer({}, (server) => {
      server.addSubscription(
        testSubscription(
          'Heads',
          (params, sink) => {
            sinks.push(sink)
            if (params[0] === 'one-shot') {
              sink.send('only value')
              sink.end()
              sink.send('dropped')
            }
          },
          () => cleanups++,
        ),
      )
    })
    const client = await connect(s)
    // ended inside the handler: the value sent before end() still follows the id
    const oneShot = (await client.call('test_subscribeHeads', ['one-shot'])).result
    assert.deepEqual((await client.next()).params, { subscription: oneShot, result: 'only value' })
    assert.equal(cleanups, 1)
    assert.deepEqual((await client.call('test_unsubscribeHeads', [oneShot])).result, false)

    const subId = (await client.call('test_subscribeHeads')).result
    sinks[1]!.send('one')
    sinks[1]!.end()
    sinks[1]!.end()
    sinks[1]!.send('two')
    assert.equal(cleanups, 2)
    assert.deepEqual((await client.next()).params, { subscription: subId, result: 'one' })
    assert.deepEqual((await client.call('test_unsubscribeHeads', [subId])).result, false)
    assert.equal(cleanups, 2)
  })

  it('error: subscriptions over HTTP are -32603', async () => {
    let started = 0
    const s = await startServer({}, (server) => {
      server.addSubscription(testSubscription('Heads', () => started++))
    })
    for (const method of ['test_subscribeHeads', 'test_unsubscribeHeads']) {
      const res = single(await postJson(s, { jsonrpc: '2.0', id: 1, method, params: ['x'] }))
      assert.deepEqual(res.error, {
        code: INTERNAL_ERROR_CODE,
        message: 'Internal error',
        data: 'Subscriptions are not supported over HTTP',
      })
    }
    assert.equal(started, 0)
  })

  it('error: more than maxSubscriptionsPerConnection is -32006', async () => {
    const s = await startServer({ maxSubscriptionsPerConnection: 2 }, (server) => {
      server.addSubscription(testSubscription('Heads', () => {}))
    })
    const client = await connect(s)
    const first = (await client.call('test_subscribeHeads')).result
    await client.call('test_subscribeHeads')
    assert.deepEqual((await client.call('test_subscribeHeads')).error, {
      code: TOO_MANY_SUBSCRIPTIONS_CODE,
      message: 'Too many subscriptions on the connection',
      data: 'Exceeded max limit of 2',
    })
    await client.call('test_unsubscribeHeads', [first])
    assert.equal(typeof (await client.call('test_subscribeHeads')).result, 'string')
    // the limit is per connection
    const other = await connect(s)
    assert.equal(typeof (await other.call('test_subscribeHeads')).result, 'string')
  })

  it('behavior: a notification that cannot be serialised is dropped with a warning', async () => {
    const sinks: SubscriptionSink[] = []
    const s = await startServer({}, (server) => {
      server.addSubscription(testSubscription('Heads', (_p, sink) => sinks.push(sink)))
    })
    const client = await connect(s)
    const subId = (await client.call('test_subscribeHeads')).result
    sinks[0]!.send({ big: 1n })
    sinks[0]!.send('ok')
    assert.deepEqual((await client.next()).params, { subscription: subId, result: 'ok' })
    assert.ok(s.logger.warns.some((w) => w.msg === 'rpc notification not serialisable, dropped'))
  })
})

describe('RpcServer bounds and garbage', () => {
  it('error: a WebSocket message over maxRequestBytes closes the socket with 1009', async () => {
    const s = await startServer({ maxRequestBytes: 1024, maxResponseBytes: 1024, maxBufferedBytes: 4096 })
    const client = await connect(s)
    assert.deepEqual((await client.call('echo', ['x'.repeat(900)])).result, ['x'.repeat(900)])
    client.send({ jsonrpc: '2.0', id: 2, method: 'echo', params: ['x'.repeat(2000)] })
    const { code } = await client.closed
    assert.equal(code, 1009)
    // the server is fine
    const other = await connect(s)
    assert.deepEqual((await other.call('echo', [1])).result, [1])
  })

  it('error: an HTTP body over maxRequestBytes is 413 with a JSON error', async () => {
    const s = await startServer({ maxRequestBytes: 1024, maxResponseBytes: 1024, maxBufferedBytes: 4096 })
    const expected = {
      jsonrpc: '2.0',
      error: { code: OVERSIZED_REQUEST_CODE, message: 'Request is too big', data: 'Exceeded max limit of 1024' },
      id: null,
    }
    const res = await post(s, { jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'.repeat(2000)] })
    assert.equal(res.status, 413)
    assert.deepEqual(JSON.parse(res.text), expected)

    // chunked body without Content-Length, detected while streaming
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: s.port, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      })
      req.on('error', reject)
      for (let i = 0; i < 4; i++) req.write('x'.repeat(512))
      req.end()
    })
    assert.equal(chunked.status, 413)
    assert.deepEqual(JSON.parse(chunked.text), expected)
    // still serving
    assert.deepEqual(single(await postJson(s, { jsonrpc: '2.0', id: 1, method: 'echo', params: [1] })).result, [1])
  })

  it('error: HTTP verbs, paths and content types other than JSON POST', async () => {
    const s = await startServer()
    const put = await fetch(s.httpUrl, { method: 'PUT', body: '{}' })
    assert.equal(put.status, 405)
    assert.equal(((await put.json()) as Message).error!.code, INVALID_REQUEST_CODE)
    const get = await fetch(`${s.httpUrl}nothing-here`)
    assert.equal(get.status, 404)
    assert.equal(((await get.json()) as Message).error!.code, INVALID_REQUEST_CODE)
    const text = await post(s, { jsonrpc: '2.0', id: 1, method: 'echo' }, { 'content-type': 'text/plain' })
    assert.equal(text.status, 415)
    assert.equal((JSON.parse(text.text) as Message).error!.code, INVALID_REQUEST_CODE)
    const charset = await post(s, { jsonrpc: '2.0', id: 1, method: 'echo' }, { 'content-type': 'application/json; charset=UTF-8' })
    assert.equal(charset.status, 200)
    // POST on any path is JSON-RPC, as in jsonrpsee
    const other = await fetch(`${s.httpUrl}rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"echo","params":[3]}',
    })
    assert.deepEqual(((await other.json()) as Message).result, [3])
  })

  it('behavior: GET /health calls system_health, or is 404 without it', async () => {
    const without = await startServer()
    const notFound = await fetch(`${without.httpUrl}health`)
    assert.equal(notFound.status, 404)
    assert.ok(((await notFound.json()) as Message).error !== undefined)

    let transport = ''
    const health = { isSyncing: false, peers: 0, shouldHavePeers: false }
    const withHealth = await startServer({}, (server) => {
      server.addMethod('system_health', (_params, ctx) => {
        transport = ctx.transport
        return health
      })
    })
    const res = await fetch(`${withHealth.httpUrl}health`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    assert.deepEqual(await res.json(), health)
    assert.equal(transport, 'http')
  })

  it('behavior: garbage frames never crash the server', async () => {
    const s = await startServer({}, (server) => {
      server.addMethod('depth', (params) => {
        let depth = 0
        let value: unknown = params[0]
        while (Array.isArray(value)) {
          depth++
          value = value[0]
        }
        return depth
      })
    })
    const client = await connect(s)
    // binary frame holding a valid request is served like text (jsonrpsee does the same)
    client.ws.send(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]}'), { binary: true })
    assert.deepEqual((await client.next()).result, [1])
    // binary frame with invalid UTF-8
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: true })
    assert.equal((await client.next()).error!.code, PARSE_ERROR_CODE)
    // random bytes
    client.ws.send(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), { binary: true })
    assert.equal((await client.next()).error!.code, PARSE_ERROR_CODE)
    // huge numbers: an id of 1e400 is not a valid id
    client.send('{"jsonrpc":"2.0","id":1e400,"method":"echo","params":[1e400, 123456789012345678901234567890]}')
    assert.deepEqual((await client.next()).error!.code, INVALID_REQUEST_CODE)
    client.send('{"jsonrpc":"2.0","id":2,"method":"echo","params":[1e400]}')
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', result: [null], id: 2 })
    // deeply nested JSON
    const depth = 500_000
    client.send('{"jsonrpc":"2.0","id":3,"method":"depth","params":[' + '['.repeat(depth) + ']'.repeat(depth) + ']}')
    assert.deepEqual((await client.next()).result, depth)
    client.send('['.repeat(depth) + ']'.repeat(depth))
    const nested = JSON.parse(await client.nextRaw()) as Message[]
    assert.equal(nested[0]!.error!.code, INVALID_REQUEST_CODE)
    client.send('{"jsonrpc":"2.0","id":4,"method":"echo","params":[' + '['.repeat(depth) + ']'.repeat(depth) + ']}')
    assert.deepEqual((await client.next()).error, { code: INTERNAL_ERROR_CODE, message: 'Internal error' })
    // a text frame with invalid UTF-8 is a protocol error: ws closes with 1007
    client.ws.send(Buffer.from([0x22, 0xff, 0x22]), { binary: false })
    assert.equal((await client.closed).code, 1007)
    const other = await connect(s)
    assert.deepEqual((await other.call('echo', ['alive'])).result, ['alive'])
  })

  it('error: connections over maxConnections are refused with 429', async () => {
    const s = await startServer({ maxConnections: 2 })
    const first = await connect(s)
    await connect(s)
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(s.wsUrl)
      ws.on('error', reject)
      ws.on('unexpected-response', (req, res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => {
          req.destroy()
          resolve({ status: res.statusCode ?? 0, body })
        })
      })
    })
    assert.equal(refused.status, 429)
    assert.equal((JSON.parse(refused.body) as Message).error!.code, SERVER_IS_BUSY_CODE)
    const http = await post(s, { jsonrpc: '2.0', id: 1, method: 'echo' })
    assert.equal(http.status, 429)
    assert.equal((JSON.parse(http.text) as Message).error!.code, SERVER_IS_BUSY_CODE)

    const serverSawClose = s.logger.next('rpc ws closed')
    await first.close()
    await serverSawClose
    const third = await connect(s)
    assert.deepEqual((await third.call('echo', [3])).result, [3])
  })

  it('behavior: a client that stops reading is disconnected instead of buffering without bound', async () => {
    const cap = 256 * 1024 ** 2 // fail rather than buffer without bound
    const cleaned = deferred<number>()
    const overran = deferred<number>()
    const s = await startServer({ maxResponseBytes: 64 * 1024, maxBufferedBytes: 256 * 1024 }, (server) => {
      server.addSubscription({
        subscribe: ['test_subscribeFlood'],
        unsubscribe: ['test_unsubscribeFlood'],
        notification: 'test_flood',
        handler: (_params, sink) => {
          const chunk = 'x'.repeat(32 * 1024)
          let sent = 0
          let stopped = false
          const pump = (): void => {
            if (stopped) return
            if (sent > cap) {
              overran.resolve(sent)
              return
            }
            sink.send(chunk)
            sent += chunk.length
            setImmediate(pump)
          }
          setImmediate(pump)
          return () => {
            stopped = true
            cleaned.resolve(sent)
          }
        },
      })
    })
    const client = await connect(s)
    client.ws.pause()
    client.send({ jsonrpc: '2.0', id: 1, method: 'test_subscribeFlood' })
    const result = await Promise.race([
      cleaned.promise.then((sent) => ({ disconnected: true, sent })),
      overran.promise.then((sent) => ({ disconnected: false, sent })),
    ])
    assert.equal(result.disconnected, true)
    assert.ok(s.logger.warns.some((w) => w.msg === 'rpc client too slow, disconnecting'))
    console.log(`slow client dropped after ${(result.sent / 1024 / 1024).toFixed(1)} MiB of notifications`)
  })

  it('behavior: stop() closes clients with 1001, runs cleanups and closes the port', async () => {
    const cleaned = deferred()
    const s = await startServer({ stopGraceMs: 100 }, (server) => {
      server.addSubscription(
        testSubscription(
          'Heads',
          () => {},
          () => cleaned.resolve(),
        ),
      )
    })
    const client = await connect(s)
    const stuck = await connect(s) // never answers the close handshake
    stuck.ws.pause()
    await client.call('test_subscribeHeads')
    // an idle keep-alive HTTP connection must not hold stop() up
    await postJson(s, { jsonrpc: '2.0', id: 1, method: 'echo' })
    await s.server.stop()
    await cleaned.promise
    assert.equal((await client.closed).code, 1001)
    stuck.ws.resume()
    await stuck.closed
    await assert.rejects(Client.open(s.wsUrl))
    await assert.rejects(fetch(s.httpUrl, { method: 'POST', body: '{}' }))
    // stop() is idempotent
    await s.server.stop()
  })
})

describe('RpcError', () => {
  it('behavior: is a CrustError with code RPC_ERROR carrying the JSON-RPC error object', () => {
    const err = new RpcError(-32000, 'Pool full', { limit: 1 })
    assert.ok(err instanceof CrustError)
    assert.equal(err.code, 'RPC_ERROR')
    assert.equal(err.name, 'RpcError')
    assert.equal(err.rpcCode, -32000)
    assert.deepEqual(err.data, { limit: 1 })
    assert.deepEqual(err.toJsonRpc(), { code: -32000, message: 'Pool full', data: { limit: 1 } })
    assert.deepEqual(new RpcError(1, 'x').toJsonRpc(), { code: 1, message: 'x' })
    assert.equal(RpcError.internal().rpcCode, INTERNAL_ERROR_CODE)
  })
})
