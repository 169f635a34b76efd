/** Substrate's header digest items (`sp_runtime::generic::DigestItem`): consensus engines put their pre-runtime data and seals here. */
import { bytes, enumeration, fixedBytes, type Infer, tuple } from './codec/scale-type.js'

const engineId = fixedBytes(4)

export const digestItem = enumeration(['sp_runtime', 'generic', 'digest', 'DigestItem'], {
  Other: { index: 0, value: bytes },
  Consensus: { index: 4, value: tuple(engineId, bytes) },
  Seal: { index: 5, value: tuple(engineId, bytes) },
  PreRuntime: { index: 6, value: tuple(engineId, bytes) },
  RuntimeEnvironmentUpdated: { index: 8 },
})
export type DigestItem = Infer<typeof digestItem>
