/** PinStatus JSON as the Pinning Service API (and Crust's service) answers it. */
import type { OrderRecord, PinRecord, PinStatusValue } from '../store/index.js'

export interface PinStatusJson {
  requestid: string
  requestId: string
  status: PinStatusValue
  created: string
  pin: { cid: string; name?: string; origins: string[]; meta: Record<string, string> }
  delegates: string[]
  /** String values only (the PSA spec's `info` is a string map). */
  info: Record<string, string>
}

/** `info` explaining the order state of the pin's CID. */
export function orderInfo(order: OrderRecord | undefined, replicaThreshold: number): Record<string, string> {
  if (order === undefined) return { status_details: 'accepted; waiting for the order engine' }
  const info: Record<string, string> = {
    status_details: order.reason,
    order_phase: order.phase,
    replicas: String(order.replicas),
    replica_threshold: String(replicaThreshold),
    orders_placed: String(order.orders),
    last_change: new Date(order.lastChange).toISOString(),
  }
  if (order.size !== undefined) info.size = String(order.size)
  if (order.fee !== undefined) info.fee = order.fee
  if (order.expiredAt !== undefined) info.expiry_block = String(order.expiredAt)
  if (order.orderedAt !== undefined) info.ordered_at_block = String(order.orderedAt)
  if (order.txHash !== undefined) info.tx_hash = order.txHash
  if (order.attempts > 0) info.attempts = String(order.attempts)
  return info
}

export function pinStatusJson(pin: PinRecord, replicaThreshold: number, delegates: string[]): PinStatusJson {
  const body: PinStatusJson['pin'] = { cid: pin.cid, origins: pin.origins, meta: pin.meta }
  if (pin.name !== undefined) body.name = pin.name
  return {
    requestid: pin.requestid,
    requestId: pin.requestid,
    status: pin.order?.status ?? 'queued',
    created: new Date(pin.created).toISOString(),
    pin: body,
    delegates: pin.delegates.length > 0 ? pin.delegates : delegates,
    info: orderInfo(pin.order, replicaThreshold),
  }
}
