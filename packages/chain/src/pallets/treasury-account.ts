/** The treasury's account, which fees, slashes and dust are paid into (Crust's runtime/src/lib.rs). */
import { concatBytes } from '../primitives/hashing.js'

/** `modl` ++ PalletId("py/trsry"), zero-padded to 32 bytes, as Substrate derives it. */
export const TREASURY_ACCOUNT = (() => {
  const id = concatBytes(new TextEncoder().encode('modl'), new TextEncoder().encode('py/trsry'))
  const out = new Uint8Array(32)
  out.set(id)
  return out
})()
