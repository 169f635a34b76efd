/** The report slot a simulated sWorker reports for: the newest slot block that exists, with room left to land the report in its slot. */
import type { ApiPromise } from '@polkadot/api'
import { waitFor } from './node-process.js'

/** Blocks left in the slot after the best block that a report needs by default (the block it lands in, plus slack for a busy pool). */
export const DEFAULT_REPORT_MARGIN = 4

/**
 * What to report for, given the best block: the newest slot block (`floor(best / R) * R`, which
 * exists) when at least `margin` blocks of its slot are still to come, or the next slot block to
 * wait for. `swork.reportWorks` takes only the slot of the block it lands in (a later one, at best + 1
 * or after) and the hash of a block the chain has, so a slot block that does not exist yet, or one
 * whose slot ends at the next block, makes the report `InvalidReportTime`.
 */
export function pickReportSlot(best: number, reportSlot: number, margin = DEFAULT_REPORT_MARGIN): { slot: number } | { waitFor: number } {
  const slot = Math.floor(best / reportSlot) * reportSlot
  // blocks best + 1 … slot + R - 1 are still in this slot
  const left = slot + reportSlot - 1 - best
  return left >= margin ? { slot } : { waitFor: slot + reportSlot }
}

/** The report slot to report for now and its block hash, waiting for the next slot block when this slot is nearly over. */
export async function reportSlotNow(
  api: ApiPromise,
  reportSlot: number,
  options: { margin?: number; timeoutMs?: number } = {},
): Promise<{ slot: bigint; slotHash: Uint8Array }> {
  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber()
  for (;;) {
    const pick = pickReportSlot(await best(), reportSlot, options.margin)
    if ('slot' in pick) return { slot: BigInt(pick.slot), slotHash: (await api.rpc.chain.getBlockHash(pick.slot)).toU8a() }
    const target = pick.waitFor
    await waitFor(async () => ((await best()) >= target ? true : undefined), `block ${target}`, options.timeoutMs)
  }
}
