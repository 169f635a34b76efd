/** JSON-RPC 2.0 and jsonrpsee error codes and messages, as Substrate nodes send them. */

export const PARSE_ERROR_CODE = -32700
export const INVALID_REQUEST_CODE = -32600
export const METHOD_NOT_FOUND_CODE = -32601
export const INVALID_PARAMS_CODE = -32602
export const INTERNAL_ERROR_CODE = -32603
/** jsonrpsee: a subscribe call would exceed the per-connection subscription limit. */
export const TOO_MANY_SUBSCRIPTIONS_CODE = -32006
/** jsonrpsee: the request body or message is larger than the limit. */
export const OVERSIZED_REQUEST_CODE = -32007
/** jsonrpsee: the response would be larger than the limit. */
export const OVERSIZED_RESPONSE_CODE = -32008
/** jsonrpsee: the server refuses the connection because it has too many. */
export const SERVER_IS_BUSY_CODE = -32009
/** jsonrpsee: the batch has more entries than the limit. */
export const TOO_BIG_BATCH_REQUEST_CODE = -32010
/** jsonrpsee: the whole batch response would be larger than the limit. */
export const TOO_BIG_BATCH_RESPONSE_CODE = -32011

export const PARSE_ERROR_MSG = 'Parse error'
export const INVALID_REQUEST_MSG = 'Invalid request'
export const METHOD_NOT_FOUND_MSG = 'Method not found'
export const INVALID_PARAMS_MSG = 'Invalid params'
export const INTERNAL_ERROR_MSG = 'Internal error'
export const TOO_MANY_SUBSCRIPTIONS_MSG = 'Too many subscriptions on the connection'
export const OVERSIZED_REQUEST_MSG = 'Request is too big'
export const OVERSIZED_RESPONSE_MSG = 'Response is too big'
export const SERVER_IS_BUSY_MSG = 'Server is busy, try again later'
export const TOO_BIG_BATCH_REQUEST_MSG = 'The batch request was too large'
export const TOO_BIG_BATCH_RESPONSE_MSG = 'The batch response was too large'

/** `data` of the -32603 error a subscribe or unsubscribe call gets over HTTP. */
export const SUBSCRIPTIONS_OVER_HTTP_DATA = 'Subscriptions are not supported over HTTP'

/** Name of the built-in method listing every registered method. */
export const RPC_METHODS_METHOD = 'rpc_methods'
/** Method `GET /health` calls when it is registered. */
export const SYSTEM_HEALTH_METHOD = 'system_health'
/** HTTP path answered by `system_health`. */
export const HEALTH_PATH = '/health'

/** WebSocket close code for an oversized message (RFC 6455 "message too big"); sent by `ws`. */
export const WS_CLOSE_TOO_BIG = 1009
/** WebSocket close code sent to clients when the server stops ("going away"). */
export const WS_CLOSE_GOING_AWAY = 1001
/** Bytes of random data in a subscription id (hex-encoded, so ids are twice as long). */
export const SUBSCRIPTION_ID_BYTES = 8
