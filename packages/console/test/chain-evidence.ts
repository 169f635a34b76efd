/**
 * What a block's author and its finality votes are, checked by the test itself from what any client
 * can fetch: a header's Aura seal verified against a validator's key (Substrate's layout: the last
 * digest item seals the hash of the header without it), and a stored justification's precommits
 * verified against their voters' keys (the consensus package's signed payload: genesis hash, kind,
 * set id and round as u64 LE, target hash, target number as u32 LE). The console's own figures come
 * from the node's `crust_validatorActivity`; these do not.
 */
import type { ApiPromise, WsProvider } from '@polkadot/api'
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { decodeAddress, signatureVerify } from '@polkadot/util-crypto'

const le = (value: number, bytes: 4 | 8): Uint8Array => {
  const out = new Uint8Array(bytes)
  const view = new DataView(out.buffer)
  if (bytes === 8) view.setBigUint64(0, BigInt(value), true)
  else view.setUint32(0, value, true)
  return out
}

export interface BlockEvidence {
  number: number
  hash: string
  /** The account (hex public key) among `candidates` whose key verifies the block's seal. */
  sealedBy: string | undefined
  /** The voters (hex public keys) whose precommit in the block's stored justification verifies. */
  precommitters: string[]
}

/** The evidence of `hash` and its ancestors down to block `from`, newest first. */
export async function blockEvidence(api: ApiPromise, provider: WsProvider, hash: string, from: number, candidates: string[]): Promise<BlockEvidence[]> {
  const keys = candidates.map((c) => u8aToHex(decodeAddress(c)))
  const out: BlockEvidence[] = []
  let cur = hash
  for (;;) {
    const header = await api.rpc.chain.getHeader(cur)
    const number = header.number.toNumber()
    if (number < from) break
    const logs = [...header.digest.logs]
    const seal = logs.at(-1)
    let sealedBy: string | undefined
    if (seal?.isSeal === true) {
      const pre = api.createType('Header', {
        parentHash: header.parentHash,
        number: header.number,
        stateRoot: header.stateRoot,
        extrinsicsRoot: header.extrinsicsRoot,
        digest: { logs: logs.slice(0, -1) },
      })
      const signature = seal.asSeal[1]
      sealedBy = keys.find((k) => signatureVerify(pre.hash, signature, k).isValid)
    }
    const precommitters: string[] = []
    const stored = await provider.send<string | null>('crust_justification', [cur])
    if (stored !== null) {
      const j = JSON.parse(new TextDecoder().decode(hexToU8a(stored))) as {
        precommits: Array<{ kind: string; setId: number; round: number; hash: string; number: number; voter: string; signature: string }>
      }
      for (const p of j.precommits) {
        if (p.kind !== 'precommit') continue
        const payload = u8aConcat(api.genesisHash, [1], le(p.setId, 8), le(p.round, 8), hexToU8a(p.hash), le(p.number, 4))
        if (signatureVerify(payload, p.signature, p.voter).isValid && !precommitters.includes(p.voter)) precommitters.push(p.voter)
      }
    }
    out.push({ number, hash: cur, sealedBy, precommitters })
    if (number === 0) break
    cur = header.parentHash.toHex()
  }
  return out
}
