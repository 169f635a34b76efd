import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import { GIB, MIB } from '../src/constants.js'
import { defaultSmanagerConfig, resolveConfig } from '../src/options.js'
import { type Candidate, cidToBigInt, lifetimeFilter, replicasFilter, shardFilter, sizeFilter, spaceFilter } from '../src/scheduler/index.js'

const CID_V0 = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const CIDS = [
  CID_V0,
  'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
  'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  'bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq',
  'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB',
  'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR',
]

const candidate = (over: Partial<Candidate> = {}): Candidate => ({ cid: CID_V0, size: 10 * MIB, replicas: 0, expiredAt: 0, source: 'chainEvent', ...over })

describe('scheduler: filters', () => {
  it('behavior: size limits give sizeTooSmall / sizeTooLarge; 0 means no limit', () => {
    assert.equal(sizeFilter(candidate({ size: 1 }), { minFileSize: 0, maxFileSize: 0 }), undefined)
    assert.equal(sizeFilter(candidate({ size: MIB - 1 }), { minFileSize: MIB, maxFileSize: 0 }), 'sizeTooSmall')
    assert.equal(sizeFilter(candidate({ size: MIB }), { minFileSize: MIB, maxFileSize: 0 }), undefined)
    assert.equal(sizeFilter(candidate({ size: GIB + 1 }), { minFileSize: 0, maxFileSize: GIB }), 'sizeTooLarge')
    assert.equal(sizeFilter(candidate({ size: GIB }), { minFileSize: 0, maxFileSize: GIB }), undefined)
  })

  it('behavior: replicas at or above maxReplicas give tooManyReplicas; db-scanned files need minReplicas', () => {
    const cfg = { minReplicas: 2, maxReplicas: 4 }
    assert.equal(replicasFilter(candidate({ replicas: 3 }), cfg), undefined)
    assert.equal(replicasFilter(candidate({ replicas: 4 }), cfg), 'tooManyReplicas')
    assert.equal(replicasFilter(candidate({ replicas: 1 }), cfg), undefined, 'new-order files need no minimum')
    assert.equal(replicasFilter(candidate({ replicas: 1, source: 'dbScan' }), cfg), 'replicasNotEnough')
    assert.equal(replicasFilter(candidate({ replicas: 2, source: 'dbScan' }), cfg), undefined)
  })

  it('behavior: an order past its end gives lifeTimeTooShort; not yet started ones pass', () => {
    assert.equal(lifetimeFilter(candidate({ expiredAt: 0 }), 100), undefined)
    assert.equal(lifetimeFilter(candidate({ expiredAt: 101 }), 100), undefined)
    assert.equal(lifetimeFilter(candidate({ expiredAt: 100 }), 100), 'lifeTimeTooShort')
  })

  it('behavior: space needs spaceFactor x (file + pending), the system reserve and the SRD ratio', () => {
    const cfg = { spaceFactor: 2.2, reservedSpace: 512 * MIB, minSrdRatio: 0 }
    const roomy = { srdComplete: 0, diskAvailable: 10, sysDiskAvailable: 10 }
    assert.equal(spaceFilter(GIB, 0, roomy, cfg), undefined)
    assert.equal(spaceFilter(4 * GIB, 0, roomy, cfg), undefined, '8.8 GiB needed, 10 free')
    assert.equal(spaceFilter(4 * GIB, GIB, roomy, cfg), 'insufficientSpace', 'pending files count: 11 GiB needed')
    assert.equal(spaceFilter(GIB, 0, { srdComplete: 3, diskAvailable: 0, sysDiskAvailable: 10 }, cfg), undefined, 'SRD is room files displace')
    assert.equal(spaceFilter(MIB, 0, { ...roomy, sysDiskAvailable: 0 }, cfg), 'insufficientSpace', 'system reserve')
    assert.equal(spaceFilter(MIB, 0, roomy, { ...cfg, minSrdRatio: 70 }), 'srdRatioTooLow')
    assert.equal(spaceFilter(MIB, 0, { srdComplete: 7, diskAvailable: 3, sysDiskAvailable: 3 }, { ...cfg, minSrdRatio: 70 }), undefined)
    assert.equal(spaceFilter(MIB, 0, { srdComplete: 0, diskAvailable: 0, sysDiskAvailable: 3 }, { ...cfg, minSrdRatio: 70 }), 'srdRatioTooLow')
  })

  it('behavior: cidToBigInt reads the CIDv1 bytes as one number, the same for the v0 and v1 forms', () => {
    const v1 = CID.parse(CID_V0).toV1()
    assert.ok(cidToBigInt(CID_V0).toString(16).startsWith('1701220'), 'CIDv1 dag-pb sha2-256 prefix 01 70 12 20')
    assert.equal(cidToBigInt(CID_V0), BigInt(`0x${Buffer.from(v1.bytes).toString('hex')}`))
    assert.equal(cidToBigInt(v1.toString()), cidToBigInt(CID_V0))
  })

  it('behavior: group sharding gives each CID to exactly one member (cid mod members == index)', () => {
    const members = ['a', 'b', 'c']
    for (const cid of CIDS) {
      const takers = members.map((_, index) => shardFilter(cid, { owner: 'o', members, index })).filter((r) => r === undefined)
      assert.equal(takers.length, 1, cid)
      const index = Number(cidToBigInt(cid) % 3n)
      assert.equal(shardFilter(cid, { owner: 'o', members, index }), undefined)
      assert.equal(shardFilter(cid, { owner: 'o', members, index: (index + 1) % 3 }), 'nodeSkipped')
    }
    assert.equal(shardFilter(CID_V0, { owner: 'o', members: ['a'], index: 0 }), undefined, 'a group of one takes everything')
  })
})

describe('options', () => {
  it('behavior: defaults suit a dev network', () => {
    const cfg = resolveConfig()
    assert.equal(cfg.minSrdRatio, 0)
    assert.ok(cfg.reservedSpace < GIB)
    assert.deepEqual(cfg, defaultSmanagerConfig)
    assert.equal(resolveConfig({ maxReplicas: 3 }).maxReplicas, 3)
  })

  it('error: unknown keys and out-of-range values are refused with SMANAGER_ERROR_INVALID_CONFIG', () => {
    assert.throws(() => resolveConfig({ nope: 1 } as never), { code: 'SMANAGER_ERROR_INVALID_CONFIG' })
    assert.throws(() => resolveConfig({ maxPendingTasks: 0 }), /maxPendingTasks/)
    assert.throws(() => resolveConfig({ minSrdRatio: 101 }), /minSrdRatio/)
    assert.throws(() => resolveConfig({ strategy: 'fastest' as never }), /strategy/)
    assert.throws(() => resolveConfig({ strategy: { dbFilesWeight: 0, newFilesWeight: 0 } }), /strategy/)
  })
})
