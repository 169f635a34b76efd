/**
 * Keeps the price oracle in line with Crust: the oracle's base and byte prices follow the Crust
 * market's current fees (what `place_storage_order` charges: base fee + keys-count fee per order,
 * byte fee per MiB), and its CRU/ETH rate follows the configured one. A value is set only when it
 * drifted past the tolerance, so an oracle in line costs no gas.
 */
import type { OracleRates, PriceOracleClient } from './seams.js'

/** The Crust market's fees (plancks) at one block: Crust's `get_file_fee` inputs. */
export interface CrustFees {
  baseFee: bigint
  /** Per started MiB. */
  byteFee: bigint
  keysCountFee: bigint
  atBlock: number
}

export interface PriceKeeperInit {
  /** Reads the Crust market's current fees. */
  crustFees: () => Promise<CrustFees>
  oracle: PriceOracleClient
  /** CRU per ETH with 5 decimals (the oracle's `CRUETHRATE`); undefined leaves the oracle's rate alone. */
  cruEthRate?: bigint
  /** Tolerated drift in basis points (100 = 1 %); 0 sets on any difference. */
  driftBps: number
  now?: () => number
}

/** What the last round found and did; the order node's API serves it at `/prices`. */
export interface PriceStatus {
  checkedAt: number
  crust?: { baseFee: string; byteFee: string; keysCountFee: string; atBlock: number }
  /** What the oracle should hold. */
  target?: { basePrice: string; bytePrice: string; cruEthRate?: string }
  /** What the oracle held before this round. */
  oracle?: { basePrice: string; bytePrice: string; cruEthRate: string }
  /** Setters sent this round (`setOrderPrice`, `setCRUETHRATE`) with their transactions. */
  set: Array<{ call: 'setOrderPrice' | 'setCRUETHRATE'; txHash: string }>
  lastSetAt?: number
  error?: string
}

/** Whether `current` is more than `bps` basis points away from `target` (any difference when the target is 0). */
export function drifted(current: bigint, target: bigint, bps: number): boolean {
  if (current === target) return false
  if (target === 0n) return true
  const diff = current > target ? current - target : target - current
  return diff * 10_000n > target * BigInt(bps)
}

/** The oracle's base and byte prices for Crust's fees: a Crust order costs base + keys-count fee, plus the byte fee per MiB. */
export function oracleTarget(fees: CrustFees): Pick<OracleRates, 'basePrice' | 'bytePrice'> {
  return { basePrice: fees.baseFee + fees.keysCountFee, bytePrice: fees.byteFee }
}

export class PriceKeeper {
  private last: PriceStatus | undefined
  private lastSetAt: number | undefined
  private readonly now: () => number

  constructor(private readonly init: PriceKeeperInit) {
    this.now = init.now ?? Date.now
  }

  /** The last round's status (undefined before the first). */
  status(): PriceStatus | undefined {
    return this.last
  }

  /** One round: read both sides, set what drifted. Errors end up in the status (and are thrown). */
  async sync(): Promise<PriceStatus> {
    const status: PriceStatus = { checkedAt: this.now(), set: [] }
    this.last = status
    try {
      const [fees, current] = await Promise.all([this.init.crustFees(), this.init.oracle.read()])
      const target = oracleTarget(fees)
      const rate = this.init.cruEthRate
      status.crust = { baseFee: fees.baseFee.toString(), byteFee: fees.byteFee.toString(), keysCountFee: fees.keysCountFee.toString(), atBlock: fees.atBlock }
      status.target = {
        basePrice: target.basePrice.toString(),
        bytePrice: target.bytePrice.toString(),
        ...(rate === undefined ? {} : { cruEthRate: rate.toString() }),
      }
      status.oracle = { basePrice: current.basePrice.toString(), bytePrice: current.bytePrice.toString(), cruEthRate: current.cruEthRate.toString() }
      const bps = this.init.driftBps
      if (drifted(current.basePrice, target.basePrice, bps) || drifted(current.bytePrice, target.bytePrice, bps)) {
        status.set.push({ call: 'setOrderPrice', txHash: await this.init.oracle.setOrderPrice(target.basePrice, target.bytePrice) })
      }
      if (rate !== undefined && drifted(current.cruEthRate, rate, bps)) {
        status.set.push({ call: 'setCRUETHRATE', txHash: await this.init.oracle.setCruEthRate(rate) })
      }
      if (status.set.length > 0) this.lastSetAt = status.checkedAt
    } catch (err) {
      status.error = (err as Error).message
      throw err
    } finally {
      if (this.lastSetAt !== undefined) status.lastSetAt = this.lastSetAt
    }
    return status
  }
}
