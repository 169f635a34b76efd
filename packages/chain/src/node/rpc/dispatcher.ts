import {
  INTERNAL_ERROR_CODE,
  INTERNAL_ERROR_MSG,
  INVALID_PARAMS_CODE,
  INVALID_PARAMS_MSG,
  INVALID_REQUEST_CODE,
  INVALID_REQUEST_MSG,
  METHOD_NOT_FOUND_CODE,
  METHOD_NOT_FOUND_MSG,
  OVERSIZED_RESPONSE_CODE,
  OVERSIZED_RESPONSE_MSG,
  PARSE_ERROR_CODE,
  PARSE_ERROR_MSG,
  RPC_METHODS_METHOD,
  SUBSCRIPTIONS_OVER_HTTP_DATA,
  TOO_BIG_BATCH_REQUEST_CODE,
  TOO_BIG_BATCH_REQUEST_MSG,
  TOO_BIG_BATCH_RESPONSE_CODE,
  TOO_BIG_BATCH_RESPONSE_MSG,
  TOO_MANY_SUBSCRIPTIONS_CODE,
  TOO_MANY_SUBSCRIPTIONS_MSG,
} from './constants.js'
import { RpcError, RpcServerError } from './errors.js'
import type { JsonRpcErrorObject, JsonRpcId, MethodHandler, RpcContext, RpcLogger, RpcMethodsResult, SubscriptionSpec } from './interface.js'
import { classifyRequest, errorResponse, exceededLimit, parseJson, positionalParams, type RequestEntry, resultResponse, serializeValue } from './protocol.js'
import type { Subscription } from './subscription.js'
import type { WsConnection } from './ws-connection.js'

/** Limits the dispatcher enforces. */
export interface DispatcherLimits {
  maxResponseBytes: number
  maxBatchLength: number
  maxSubscriptionsPerConnection: number
}

/** Where a request came from: an HTTP request (no subscriptions) or a WebSocket connection. */
export interface Channel {
  ctx: RpcContext
  connection?: WsConnection
}

/**
 * What to send back for one body. `text` is undefined when nothing is sent (only notifications).
 * After writing `text`, the caller activates `subscriptions` so their held notifications follow it.
 */
export interface Reply {
  text: string | undefined
  subscriptions: Subscription[]
}

interface Answer {
  text: string
  subscription?: Subscription
}

type Target = { kind: 'method'; handler: MethodHandler } | { kind: 'subscribe'; spec: SubscriptionSpec } | { kind: 'unsubscribe'; spec: SubscriptionSpec }

const RPC_METHODS_VERSION = 1

function rpcError(code: number, message: string, data?: unknown): JsonRpcErrorObject {
  return data === undefined ? { code, message } : { code, message, data }
}

/** Method registry and transport-independent JSON-RPC processing. */
export class RpcDispatcher {
  private readonly targets = new Map<string, Target>()
  private readonly limits: DispatcherLimits
  private readonly logger: RpcLogger

  constructor(limits: DispatcherLimits, logger: RpcLogger) {
    this.limits = limits
    this.logger = logger
    this.targets.set(RPC_METHODS_METHOD, { kind: 'method', handler: () => this.rpcMethods() })
  }

  addMethod(name: string, handler: MethodHandler): void {
    this.register([name], { kind: 'method', handler })
  }

  addSubscription(spec: SubscriptionSpec): void {
    this.register([...spec.subscribe, ...spec.unsubscribe], undefined)
    for (const name of spec.subscribe) this.targets.set(name, { kind: 'subscribe', spec })
    for (const name of spec.unsubscribe) this.targets.set(name, { kind: 'unsubscribe', spec })
  }

  methodNames(): string[] {
    return [...this.targets.keys()].sort()
  }

  /** The handler of a plain method, if one is registered under `name`. */
  methodHandler(name: string): MethodHandler | undefined {
    const target = this.targets.get(name)
    return target?.kind === 'method' ? target.handler : undefined
  }

  /** Processes one request body (single request or batch). Never throws. */
  async handleBody(data: Uint8Array | string, channel: Channel): Promise<Reply> {
    const parsed = parseJson(data)
    if (parsed === undefined) return single(errorResponse(null, rpcError(PARSE_ERROR_CODE, PARSE_ERROR_MSG)))
    const body = parsed.value
    if (!Array.isArray(body)) {
      const answer = await this.handleEntry(classifyRequest(body), channel)
      return answer === undefined
        ? { text: undefined, subscriptions: [] }
        : { text: answer.text, subscriptions: answer.subscription === undefined ? [] : [answer.subscription] }
    }
    if (body.length === 0) return single(errorResponse(null, rpcError(INVALID_REQUEST_CODE, INVALID_REQUEST_MSG)))
    if (body.length > this.limits.maxBatchLength) {
      const data = exceededLimit(this.limits.maxBatchLength)
      return single(errorResponse(null, rpcError(TOO_BIG_BATCH_REQUEST_CODE, TOO_BIG_BATCH_REQUEST_MSG, data)))
    }
    const answers = await Promise.all(body.map((entry) => this.handleEntry(classifyRequest(entry), channel)))
    const texts: string[] = []
    const subscriptions: Subscription[] = []
    for (const answer of answers) {
      if (answer === undefined) continue
      texts.push(answer.text)
      if (answer.subscription !== undefined) subscriptions.push(answer.subscription)
    }
    if (texts.length === 0) return { text: undefined, subscriptions: [] }
    const text = '[' + texts.join(',') + ']'
    if (Buffer.byteLength(text) > this.limits.maxResponseBytes) {
      // The client will never learn these ids: do not leave the subscriptions running.
      for (const sub of subscriptions) sub.end()
      const data = exceededLimit(this.limits.maxResponseBytes)
      return single(errorResponse(null, rpcError(TOO_BIG_BATCH_RESPONSE_CODE, TOO_BIG_BATCH_RESPONSE_MSG, data)))
    }
    return { text, subscriptions }
  }

  private register(names: string[], target: Target | undefined): void {
    const seen = new Set<string>()
    for (const name of names) {
      if (this.targets.has(name) || seen.has(name)) {
        throw new RpcServerError('RPC_ERROR_DUPLICATE_METHOD', `RPC method ${name} is already registered`, { name })
      }
      seen.add(name)
    }
    if (target !== undefined) for (const name of names) this.targets.set(name, target)
  }

  private rpcMethods(): RpcMethodsResult {
    return { version: RPC_METHODS_VERSION, methods: this.methodNames() }
  }

  private async handleEntry(entry: RequestEntry, channel: Channel): Promise<Answer | undefined> {
    if (entry.kind === 'invalid') {
      return { text: errorResponse(entry.id, rpcError(INVALID_REQUEST_CODE, INVALID_REQUEST_MSG)) }
    }
    if (entry.kind === 'notification') {
      this.runNotification(entry.method, entry.params, channel.ctx)
      return undefined
    }
    const { id, method } = entry
    const target = this.targets.get(method)
    if (target === undefined) return { text: errorResponse(id, rpcError(METHOD_NOT_FOUND_CODE, METHOD_NOT_FOUND_MSG)) }
    const params = positionalParams(entry.params)
    if (params === undefined) return { text: errorResponse(id, rpcError(INVALID_PARAMS_CODE, INVALID_PARAMS_MSG)) }
    if (target.kind === 'method') return { text: await this.callMethod(id, method, target.handler, params, channel.ctx) }
    const connection = channel.connection
    if (connection === undefined) {
      return { text: errorResponse(id, rpcError(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG, SUBSCRIPTIONS_OVER_HTTP_DATA)) }
    }
    if (target.kind === 'subscribe') return this.subscribe(id, method, target.spec, params, connection)
    return { text: this.unsubscribe(id, target.spec, params, connection) }
  }

  /** Notifications run plain methods for their side effects; nothing is sent back. */
  private runNotification(method: string, rawParams: unknown, ctx: RpcContext): void {
    const target = this.targets.get(method)
    const params = positionalParams(rawParams)
    if (target?.kind !== 'method' || params === undefined) {
      this.logger.debug?.({ method, connectionId: ctx.connectionId }, 'rpc notification ignored')
      return
    }
    const handler = target.handler
    const run = async (): Promise<unknown> => handler(params, ctx)
    run().catch((err: unknown) => {
      if (!(err instanceof RpcError)) this.logger.warn({ err, method }, 'rpc handler failed')
    })
  }

  private async callMethod(id: JsonRpcId, method: string, handler: MethodHandler, params: unknown[], ctx: RpcContext): Promise<string> {
    let result: unknown
    try {
      result = await handler(params, ctx)
    } catch (err) {
      return this.failure(id, method, err)
    }
    let resultJson: string
    try {
      resultJson = serializeValue(result)
    } catch (err) {
      this.logger.warn({ err, method }, 'rpc result not serialisable')
      return errorResponse(id, rpcError(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG))
    }
    const text = resultResponse(id, resultJson)
    if (Buffer.byteLength(text) > this.limits.maxResponseBytes) {
      const data = exceededLimit(this.limits.maxResponseBytes)
      return errorResponse(id, rpcError(OVERSIZED_RESPONSE_CODE, OVERSIZED_RESPONSE_MSG, data))
    }
    return text
  }

  private async subscribe(id: JsonRpcId, method: string, spec: SubscriptionSpec, params: unknown[], connection: WsConnection): Promise<Answer> {
    const limit = this.limits.maxSubscriptionsPerConnection
    if (connection.subscriptionCount >= limit) {
      return {
        text: errorResponse(id, rpcError(TOO_MANY_SUBSCRIPTIONS_CODE, TOO_MANY_SUBSCRIPTIONS_MSG, exceededLimit(limit))),
      }
    }
    const sub = connection.createSubscription(spec)
    let cleanup: unknown
    try {
      cleanup = await spec.handler(params, sub, connection.ctx)
    } catch (err) {
      sub.discard()
      return { text: this.failure(id, method, err) }
    }
    if (typeof cleanup === 'function') {
      sub.setCleanup(cleanup as () => void)
    } else {
      this.logger.warn({ method }, 'rpc subscription handler returned no cleanup function')
    }
    return { text: resultResponse(id, JSON.stringify(sub.id)), subscription: sub }
  }

  private unsubscribe(id: JsonRpcId, spec: SubscriptionSpec, params: unknown[], connection: WsConnection): string {
    const subId = params[0]
    const sub = typeof subId === 'string' ? connection.getSubscription(subId) : undefined
    const found = sub !== undefined && sub.spec === spec
    if (found) sub.end()
    return resultResponse(id, found ? 'true' : 'false')
  }

  private failure(id: JsonRpcId, method: string, err: unknown): string {
    if (err instanceof RpcError) return errorResponse(id, err.toJsonRpc())
    this.logger.warn({ err, method }, 'rpc handler failed')
    return errorResponse(id, rpcError(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG))
  }
}

function single(text: string): Reply {
  return { text, subscriptions: [] }
}
