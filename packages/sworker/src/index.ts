/**
 * @packageDocumentation
 *
 * The crust-ts sWorker: a (software, for now) enclave that seals stored files, fills spare room,
 * checks both, and signs the work reports the chain's `swork` pallet verifies.
 */
export {}
