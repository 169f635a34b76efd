/**
 * `swork.reportWorks` in the chain: sWorkers registered with the dev attestation key each report
 * 300 added files (Crust's per-report limit) that have storage orders; measured from submission
 * (decode, sr25519 check) through block execution (P-256 check, replicas in market) and commit.
 */
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec, Chain, ChainDatabase, defaultRuntimeConfig, Runtime, TransactionPool } from '@crust-ts/chain'
import { DEV_ATTESTATION_AUTHORITY_SECRET, DEV_ENCLAVE_CODE, p256PublicKey, sworkWire } from '@crust-ts/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const FILES_PER_REPORT = 300

export interface ReportWorksBenchResult {
  reports: number
  filesPerReport: number
  blocks: number
  perSecond: number
  split: { validateMs: number; blockMs: number }
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
const p1363 = (key: KeyObject, data: Uint8Array) => new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }))

export async function runReportWorksBench(options: { reporters?: number } = {}): Promise<ReportWorksBenchResult> {
  await cryptoWaitReady()
  const reporters = options.reporters ?? 40
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const accounts = Array.from({ length: reporters }, (_, i) => keyring.addFromUri(`//reporter//${i}`))
  const alice = keyring.addFromUri('//Alice')
  const spec = builtinSpec('dev')!
  spec.genesis.balances.push(...accounts.map((p): [string, string] => [p.address, (10n ** 18n).toString()]))
  spec.runtime = { reportSlot: 600, fileDuration: 3600, eraLength: 3600 }
  const dir = mkdtempSync(join(tmpdir(), 'crust-bench-rw-'))
  const db = ChainDatabase.open(dir)
  try {
    const runtime = new Runtime({ ...defaultRuntimeConfig, ...spec.runtime, blockTimeMs: 1000 })
    const chain = Chain.open(db, runtime, spec)
    const pool = new TransactionPool(runtime, chain, { maxReady: 100_000, maxFuture: 100_000, maxBytes: 1 << 30, maxPerSender: 512 })
    const registry = runtime.registry
    const version = registry.createType('RuntimeVersion', runtime.version)
    const author = keyring.addFromUri('//Alice//stash').publicKey
    let clock = Date.now()
    const produce = () => chain.produceBlock(author, pool.source(), (clock += 1000))
    const signAndSubmit = (pair: ReturnType<Keyring['addFromUri']>, section: string, method: string, args: unknown[], nonce: number) => {
      const tx = registry.createType('Call', { callIndex: findCallIndex(section, method), args: toArgs(section, method, args) })
      const xt = registry.createType('Extrinsic', tx)
      xt.sign(pair, { blockHash: chain.genesis.hash, genesisHash: chain.genesis.hash, nonce, runtimeVersion: version, era: 0 } as never)
      return xt.toU8a()
    }
    const findCallIndex = (section: string, method: string): Uint8Array => {
      const pallet = registry.metadata.pallets.find((p) => p.name.toString().toLowerCase() === section.toLowerCase())!
      const variant = registry.lookup.getSiType(pallet.calls.unwrap().type).def.asVariant.variants.find((v) => v.name.toString() === method)!
      return Uint8Array.of(pallet.index.toNumber(), variant.index.toNumber())
    }
    const toArgs = (section: string, method: string, args: unknown[]) => {
      const meta = registry.findMetaCall(findCallIndex(section, method)).meta
      return Object.fromEntries(meta.fields.map((f, i) => [f.name.unwrap().toString(), args[i]]))
    }

    // Orders for the files every reporter will report.
    const orderCids = Array.from({ length: FILES_PER_REPORT }, (_, i) =>
      CID.createV1(0x55, Digest.create(0x12, createHash('sha256').update(`report bench file ${i}`).digest())).toString(),
    )
    let aliceNonce = 0
    for (const cid of orderCids)
      pool.submit(signAndSubmit(alice, 'Market', 'place_storage_order', [u8aToHex(new TextEncoder().encode(cid)), 1000n, 0n, '0x'], aliceNonce++))
    while (pool.status().ready > 0) produce()

    // Registration of one enclave key per reporter, attested by the dev authority.
    const authorityPub = p256PublicKey(DEV_ATTESTATION_AUTHORITY_SECRET)
    const authority = createPrivateKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: b64url(DEV_ATTESTATION_AUTHORITY_SECRET),
        x: b64url(authorityPub.subarray(1, 33)),
        y: b64url(authorityPub.subarray(33, 65)),
      },
      format: 'jwk',
    })
    const enclaves = accounts.map(() => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const jwk = publicKey.export({ format: 'jwk' })
      return {
        key: privateKey,
        pk: sworkWire.publicKeyToSworker(new Uint8Array(Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]))),
      }
    })
    accounts.forEach((account, i) => {
      const { key, pk } = enclaves[i]!
      const isvBody = sworkWire.isvBodyFor(DEV_ENCLAVE_CODE, pk)
      const iasSig = p1363(authority, isvBody)
      const sig = sworkWire.signatureToSworker(p1363(key, sworkWire.registerPayload(authorityPub, iasSig, isvBody, account.publicKey)))
      pool.submit(
        signAndSubmit(
          account,
          'Swork',
          'register',
          [u8aToHex(iasSig), u8aToHex(authorityPub), u8aToHex(account.publicKey), u8aToHex(isvBody), u8aToHex(sig)],
          0,
        ),
      )
    })
    while (pool.status().ready > 0) produce()

    // The reports (slot 0, signed against the genesis hash), pre-signed outside the measurement.
    const added = orderCids.map((cid): [Uint8Array, bigint, bigint] => [new TextEncoder().encode(cid), 1000n, 0n])
    const reports = accounts.map((account, i) => {
      const { key, pk } = enclaves[i]!
      const fields = {
        curr_pk: pk,
        ab_upgrade_pk: new Uint8Array(0),
        slot: 0n,
        slot_hash: chain.genesis.hash,
        reported_srd_size: 1n << 30n,
        reported_files_size: 1000n * BigInt(FILES_PER_REPORT),
        added_files: added,
        deleted_files: [] as Array<[Uint8Array, bigint, bigint]>,
        reported_srd_root: new Uint8Array(32).fill(1),
        reported_files_root: new Uint8Array(32).fill(2),
      }
      const sig = sworkWire.signatureToSworker(p1363(key, sworkWire.workReportPayload(fields)))
      const hex = (b: Uint8Array) => u8aToHex(b)
      return signAndSubmit(
        account,
        'Swork',
        'report_works',
        [
          hex(fields.curr_pk),
          '0x',
          0n,
          hex(fields.slot_hash),
          fields.reported_srd_size,
          fields.reported_files_size,
          added.map(([c, s, b]) => [hex(c), s, b]),
          [],
          hex(fields.reported_srd_root),
          hex(fields.reported_files_root),
          hex(sig),
        ],
        1,
      )
    })
    const t0 = performance.now()
    for (const r of reports) pool.submit(r)
    const validateMs = performance.now() - t0
    const t1 = performance.now()
    let blocks = 0
    let included = 0
    while (pool.status().ready > 0) {
      const b = produce()
      blocks++
      included += b.applied.filter((a) => a.outcome.included && a.outcome.success).length
    }
    const blockMs = performance.now() - t1
    if (included !== reporters) throw new Error(`only ${included} of ${reporters} reports succeeded`)
    return {
      reports: reporters,
      filesPerReport: FILES_PER_REPORT,
      blocks,
      perSecond: reporters / ((validateMs + blockMs) / 1000),
      split: { validateMs, blockMs },
    }
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
