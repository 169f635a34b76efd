import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { contentTypeFromName, parseRange, sniffContentType } from '../src/gateway/index.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('gateway: content types', () => {
  it('behavior: types from extensions, with charsets for text and none for HTML', () => {
    assert.equal(contentTypeFromName('index.html'), 'text/html')
    assert.equal(contentTypeFromName('style.css'), 'text/css; charset=utf-8')
    assert.equal(contentTypeFromName('logo.PNG'), 'image/png')
    assert.equal(contentTypeFromName('app.wasm'), 'application/wasm')
    assert.equal(contentTypeFromName('image.svg'), 'image/svg+xml')
    assert.equal(contentTypeFromName('README'), undefined)
    assert.equal(contentTypeFromName('html'), undefined, 'a bare name is not an extension')
    assert.equal(contentTypeFromName('.bashrc'), undefined)
    assert.equal(contentTypeFromName('file.unknownext'), undefined)
  })

  it('behavior: sniffing recognises common formats', () => {
    const cases: [Uint8Array, boolean, string][] = [
      [text('<!DOCTYPE html><p>x'), false, 'text/html'],
      [text('\n\t<html>'), true, 'text/html'],
      [text('<!-- comment --><div>'), true, 'text/html'],
      [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]), false, 'image/png'],
      [Uint8Array.from([0xff, 0xd8, 0xff, 0xdb]), false, 'image/jpeg'],
      [text('GIF87a'), true, 'image/gif'],
      [text('%PDF-1.4'), false, 'application/pdf'],
      [text('<svg xmlns="http://www.w3.org/2000/svg"/>'), true, 'image/svg+xml'],
      [text('<?xml version="1.0"?><svg>'), false, 'image/svg+xml'],
      [text('<?xml version="1.0"?><feed>'), false, 'text/xml; charset=utf-8'],
      [text('{"a":[1,2]}'), true, 'application/json'],
      [text('[1, 2, 3'), false, 'application/json'],
      [text('{ not json'), true, 'text/plain; charset=utf-8'],
      [text('plain words'), true, 'text/plain; charset=utf-8'],
      [text('ünïcödé'), true, 'text/plain; charset=utf-8'],
      [new Uint8Array(0), true, 'text/plain; charset=utf-8'],
      [Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), true, 'application/wasm'],
      [Uint8Array.from([1, 2, 3, 0, 4]), true, 'application/octet-stream'],
      [Uint8Array.from([0xc3, 0x28]), true, 'application/octet-stream'],
    ]
    for (const [sample, complete, type] of cases) {
      assert.equal(sniffContentType(sample, complete), type, Buffer.from(sample).toString('hex'))
    }
  })

  it('behavior: a UTF-8 sequence cut by the end of an incomplete sample is still text', () => {
    const bytes = text('aaaa€')
    assert.equal(sniffContentType(bytes.subarray(0, bytes.length - 1), false), 'text/plain; charset=utf-8')
    assert.equal(sniffContentType(bytes.subarray(0, bytes.length - 1), true), 'application/octet-stream')
  })
})

describe('gateway: Range header parsing', () => {
  it('behavior: single, suffix, open-ended and multiple ranges', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), [{ start: 0, end: 9 }])
    assert.deepEqual(parseRange('bytes=-10', 100), [{ start: 90, end: 99 }])
    assert.deepEqual(parseRange('bytes=95-', 100), [{ start: 95, end: 99 }])
    assert.deepEqual(parseRange('bytes=95-200', 100), [{ start: 95, end: 99 }])
    assert.deepEqual(parseRange('Bytes = 0-0, 2-3', 100), [
      { start: 0, end: 0 },
      { start: 2, end: 3 },
    ])
    assert.deepEqual(parseRange('bytes=200-300, 0-1', 100), [{ start: 0, end: 1 }])
  })

  it('error: unsatisfiable ranges, ignored headers', () => {
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable')
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable')
    assert.equal(parseRange(undefined, 100), undefined)
    assert.equal(parseRange('bytes=0-1', 0), undefined, 'empty content ignores ranges')
    assert.equal(parseRange('bytes=5-1', 100), undefined)
    assert.equal(parseRange('bytes=a-b', 100), undefined)
    assert.equal(parseRange('lines=1-2', 100), undefined)
    assert.equal(parseRange(`bytes=${Array.from({ length: 40 }, (_, i) => `${i}-${i}`).join(',')}`, 100), undefined)
  })
})
