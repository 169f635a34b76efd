/**
 * Crust's benchmarked weights for pallet_identity (crustio/crust runtime/src/weights/pallet_identity.rs,
 * RocksDbWeight: 25·10^6 per read, 10^8 per write). r = registrars/judgements, x = additional fields,
 * s = sub-accounts, p = old sub-accounts.
 */
const READ = 25_000_000n
const WRITE = 100_000_000n
const n = (v: number) => BigInt(v)

export const identityWeights = {
  addRegistrar: (r: number) => 28_419_000n + 289_000n * n(r) + READ + WRITE,
  setIdentity: (r: number, x: number) => 73_891_000n + 279_000n * n(r) + 1_819_000n * n(x) + READ + WRITE,
  setSubsNew: (s: number) => 52_415_000n + 9_876_000n * n(s) + 2n * READ + READ * n(s) + WRITE + WRITE * n(s),
  setSubsOld: (p: number) => 48_406_000n + 3_392_000n * n(p) + 2n * READ + WRITE + WRITE * n(p),
  clearIdentity: (r: number, s: number, x: number) =>
    61_817_000n + 202_000n * n(r) + 3_417_000n * n(s) + 1_075_000n * n(x) + 2n * READ + 2n * WRITE + WRITE * n(s),
  requestJudgement: (r: number, x: number) => 73_843_000n + 348_000n * n(r) + 2_085_000n * n(x) + 2n * READ + WRITE,
  cancelRequest: (r: number, x: number) => 63_423_000n + 237_000n * n(r) + 2_067_000n * n(x) + READ + WRITE,
  setFee: (r: number) => 10_954_000n + 255_000n * n(r) + READ + WRITE,
  setAccountId: (r: number) => 12_327_000n + 263_000n * n(r) + READ + WRITE,
  setFields: (r: number) => 11_006_000n + 255_000n * n(r) + READ + WRITE,
  provideJudgement: (r: number, x: number) => 49_635_000n + 296_000n * n(r) + 2_075_000n * n(x) + 2n * READ + WRITE,
  killIdentity: (r: number, s: number, x: number) => 101_563_000n + 207_000n * n(r) + 3_404_000n * n(s) + 8_000n * n(x) + 3n * READ + 3n * WRITE + WRITE * n(s),
  addSub: (s: number) => 73_298_000n + 183_000n * n(s) + 3n * READ + 2n * WRITE,
  renameSub: (s: number) => 23_667_000n + 25_000n * n(s) + 2n * READ + WRITE,
  removeSub: (s: number) => 69_636_000n + 160_000n * n(s) + 3n * READ + 2n * WRITE,
  quitSub: (s: number) => 45_890_000n + 156_000n * n(s) + 2n * READ + 2n * WRITE,
}
