/** `pallet_timestamp`: the block's time, set by an inherent in every block. */
import { bool, compactU64, named, u64 } from '../primitives/codec/scale-type.js'
import { call, constant, DispatchError, definePallet, ensureNone, type Pallet } from '../frame/pallet.js'
import { valueWithDefault } from '../frame/storage.js'

const PALLET = 'Timestamp'

export const Now = valueWithDefault({
  pallet: PALLET,
  name: 'Now',
  value: named(u64, 'T::Moment'),
  default: 0n,
  docs: ['The current time for the current block.'],
})
export const DidUpdate = valueWithDefault({
  pallet: PALLET,
  name: 'DidUpdate',
  value: bool,
  default: false,
  docs: ['Whether the timestamp has been updated in this block.'],
})

export function timestampPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_timestamp',
    storage: [Now, DidUpdate],
    calls: {
      set: call({
        index: 0,
        args: { now: named(compactU64, 'T::Moment') },
        // Crust's set(): 11_338_000 + 2 reads + 1 write (runtime/src/weights/pallet_timestamp.rs, RocksDbWeight).
        weight: 11_338_000n + 2n * 25_000_000n + 100_000_000n,
        class: 'Mandatory',
        paysFee: false,
        docs: ['Set the current time. Called by the block author as an inherent, once per block.'],
        dispatch: (ctx, origin, { now }) => {
          ensureNone(origin)
          if (DidUpdate.get(ctx.state)) throw new DispatchError({ tag: 'Other', value: undefined }, 'Timestamp must be updated only once in the block')
          const previous = Now.get(ctx.state)
          const minimum = previous === 0n ? 0n : previous + BigInt(Math.floor(ctx.config.blockTimeMs / 2))
          if (now < minimum) {
            throw new DispatchError({ tag: 'Other', value: undefined }, 'Timestamp must increment by at least MinimumPeriod between sequential blocks')
          }
          Now.put(ctx.state, now)
          DidUpdate.put(ctx.state, true)
        },
      }),
    },
    constants: {
      MinimumPeriod: constant(
        named(u64, 'T::Moment'),
        (c) => BigInt(Math.floor(c.blockTimeMs / 2)),
        'The minimum period between blocks (half the block time).',
      ),
    },
    onFinalize: (ctx) => {
      DidUpdate.kill(ctx.state)
    },
  })
}
