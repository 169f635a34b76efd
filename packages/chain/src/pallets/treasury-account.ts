/** The treasury's account, which fees, slashes and dust are paid into (Crust's runtime/src/lib.rs). */
import { event } from '../frame/pallet.js'
import { named, u128 } from '../primitives/codec/scale-type.js'
import { concatBytes } from '../primitives/hashing.js'

/** `modl` ++ PalletId("py/trsry"), zero-padded to 32 bytes, as Substrate derives it. */
export const TREASURY_ACCOUNT = (() => {
  const id = concatBytes(new TextEncoder().encode('modl'), new TextEncoder().encode('py/trsry'))
  const out = new Uint8Array(32)
  out.set(id)
  return out
})()

/**
 * `Treasury.Deposit`, emitted whenever funds reach the pot through the treasury's `OnUnbalanced`
 * (fee shares, dust, slashes: pallet_treasury 3.0 `on_nonzero_unbalanced`). Declared here, apart from
 * the treasury pallet, so that balances can emit it without importing the pallet that builds on it.
 */
export const treasuryDepositEvent = event(6, { value: named(u128, 'BalanceOf<T, I>') }, 'Some funds have been deposited.')
