import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appendToPages, appendToVec } from '../src/frame/vec-append.js'
import { bytes, u32, vec } from '../src/primitives/codec/scale-type.js'

/** A key-value map as state. */
function memoryState() {
  const map = new Map<string, Uint8Array>()
  const hex = (k: Uint8Array) => Buffer.from(k).toString('hex')
  return {
    get: (k: Uint8Array) => map.get(hex(k)),
    set: (k: Uint8Array, v: Uint8Array) => void map.set(hex(k), v),
    delete: (k: Uint8Array) => void map.delete(hex(k)),
  }
}

describe('appendToVec', () => {
  it('behavior: gives the bytes of decode, push and encode, across every compact length width (1, 2 and 4 bytes)', () => {
    const state = memoryState()
    const key = Uint8Array.of(1)
    const items: number[] = []
    const list = vec(u32)
    for (let i = 0; i < 16_400; i++) {
      const length = appendToVec(state, key, u32, i * 7)
      items.push(i * 7)
      assert.equal(length, items.length)
      // Check at the widths' edges and now and then between them.
      if (i < 70 || (i > 16_370 && i < 16_390) || i % 997 === 0) assert.deepEqual(state.get(key), list.codec.enc(items), `after ${items.length} items`)
    }
    assert.deepEqual(list.codec.dec(state.get(key)!), items)
  })

  it('behavior: appends variable-length items after a Vec written by the codec, and starts a missing one', () => {
    const state = memoryState()
    const list = vec(bytes)
    const key = Uint8Array.of(2)
    const start = [Uint8Array.of(1, 2, 3), new Uint8Array(70).fill(9)]
    state.set(key, list.codec.enc(start))
    appendToVec(state, key, bytes, new TextEncoder().encode('QmX'))
    assert.deepEqual(list.codec.dec(state.get(key)!), [...start, new TextEncoder().encode('QmX')])
    const fresh = Uint8Array.of(3)
    assert.equal(appendToVec(state, fresh, bytes, Uint8Array.of(4)), 1)
    assert.deepEqual(state.get(fresh), list.codec.enc([Uint8Array.of(4)]))
  })

  it('behavior: appending to pages at once gives the bytes of appending item by item, from any fill, across page ends', () => {
    const pageSize = 5
    const pageKey = (page: number) => Uint8Array.of(3, page)
    for (const count of [0, 3, 4, 5, 9]) {
      for (const added of [0, 1, 2, 6, 13]) {
        const items = Array.from({ length: count + added }, (_, i) => new TextEncoder().encode(`item-${i}`))
        const oneByOne = memoryState()
        const atOnce = memoryState()
        items.forEach((item, i) => {
          appendToVec(oneByOne, pageKey(Math.floor(i / pageSize)), bytes, item)
          if (i < count) appendToVec(atOnce, pageKey(Math.floor(i / pageSize)), bytes, item)
        })
        appendToPages(atOnce, pageKey, pageSize, count, bytes, items.slice(count))
        for (let page = 0; page <= Math.floor((count + added) / pageSize) + 1; page++) {
          assert.deepEqual(atOnce.get(pageKey(page)), oneByOne.get(pageKey(page)), `${count} stored, ${added} added: page ${page}`)
        }
      }
    }
  })
})
