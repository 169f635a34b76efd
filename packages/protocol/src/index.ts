/**
 * @packageDocumentation
 *
 * Wire formats that crust-ts clients and nodes share, defined once for both sides: today the sWork
 * payloads (the work report and registration bytes the sWorker signs and the chain verifies, the
 * P-256 signature scheme in Crust's little-endian form, the attestation report body), the dev
 * attestation keys, and storage proofs (`storageProof`: the content commitment storage challenges
 * are verified against, and segment proofs). No database, no node: nothing here opens a file or a
 * socket.
 *
 * @example
 * ```ts
 * import { sworkWire, verifySworkerSignature } from '@crust-ts/protocol'
 *
 * const fields: sworkWire.WorkReportPayloadFields = {
 *   curr_pk: new Uint8Array(64),
 *   ab_upgrade_pk: new Uint8Array(0),
 *   slot: 600n,
 *   slot_hash: new Uint8Array(32),
 *   reported_srd_size: 0n,
 *   reported_files_size: 13n,
 *   added_files: [[new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'), 13n, 503n]],
 *   deleted_files: [],
 *   reported_srd_root: new Uint8Array(32),
 *   reported_files_root: new Uint8Array(32),
 * }
 * const payload = sworkWire.workReportPayload(fields) // what the enclave key signs
 * const sig = new Uint8Array(64) // the sWorker's signature, in Crust's little-endian form
 * console.info(verifySworkerSignature(fields.curr_pk, payload, sig)) // false: not a real signature
 * ```
 */
export * from './swork/index.js'
/** Content commitments (Merkle roots over 1 KiB segments) and segment proofs for storage challenges. */
export * as storageProof from './storage-proof/index.js'
