/** Units of the Kubo API: Go-compatible JSON and option parsing, part names, the GC lock. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { parseArguments, parseOptions, arg, opt } from '../src/api/command.js'
import { parseChunker } from '../src/api/commands/add/settings.js'
import { parseGoDuration } from '../src/api/duration.js'
import { KuboApiError } from '../src/api/errors.js'
import { GoFloat32, goJsonLine } from '../src/api/json.js'
import { GcLock } from '../src/api/locks.js'
import { cleanPartName } from '../src/api/multipart.js'
import { parseContentPath } from '../src/api/paths.js'

const fail = (m: string): KuboApiError => KuboApiError.badRequest(m)

describe('api internals', () => {
  it('behavior: JSON as Go encodes it (HTML escapes, bigint, float32, CID links, omitted undefined)', () => {
    assert.equal(
      goJsonLine({ Name: '<a&b>\u2028', Size: 2n ** 64n - 1n, Skip: undefined }),
      '{"Name":"\\u003ca\\u0026b\\u003e\\u2028","Size":18446744073709551615}\n',
    )
    assert.equal(goJsonLine({ Ratio: new GoFloat32(1 / 3) }), '{"Ratio":0.33333334}\n')
    assert.equal(goJsonLine({ Ratio: new GoFloat32(1) }), '{"Ratio":1}\n')
    const cid = CID.parse('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    assert.equal(goJsonLine({ Key: cid, Keys: null }), '{"Key":{"/":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"},"Keys":null}\n')
  })

  it('behavior: float32 output round-trips through float32 and is the shortest such decimal', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e20), max: Math.fround(1e20) }), (f) => {
        const text = goJsonLine(new GoFloat32(f)).trim()
        assert.equal(Math.fround(Number(text)), Math.fround(f))
        // at most 9 significant digits (float32 never needs more)
        const digits = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
        assert.ok(digits.length <= 9, text)
      }),
    )
  })

  it('behavior: options convert with Go rules; unknown options are ignored', () => {
    const defs = [opt.bool(['progress', 'p']), opt.int('cid-version'), opt.int64('offset'), opt.string(['chunker', 's'])]
    const o = parseOptions(new URLSearchParams('p=T&cid-version=0x1&offset=010&s=size-10&unknown=1'), defs, fail)
    assert.equal(o.bool('progress'), true)
    assert.equal(o.number('cid-version'), 1)
    assert.equal(o.bigint('offset'), 8n, 'a leading 0 is octal, as strconv.ParseInt(s, 0, 64)')
    assert.equal(o.string('chunker'), 'size-10')
    assert.equal(o.string('encoding'), 'json', 'global default')
    assert.throws(
      () => parseOptions(new URLSearchParams('progress=yes'), defs, fail),
      /could not convert value "yes" to type "bool" \(for option "-progress"\)/,
    )
    assert.throws(() => parseOptions(new URLSearchParams('offset='), defs, fail), /could not convert empty value to type "int64"/)
    assert.throws(() => parseOptions(new URLSearchParams('offset=9223372036854775808'), defs, fail), /could not convert/)
    assert.throws(() => parseOptions(new URLSearchParams('progress=true&p=true'), defs, fail), /duplicate command options/)
    assert.throws(() => parseOptions(new URLSearchParams('offset=1&offset=2'), defs, fail), /only a single value/)
  })

  it('behavior: arguments fill definitions as go-ipfs-cmds does', () => {
    const defs = [arg.string('ipfs-path', true, true)]
    assert.deepEqual(parseArguments(['a', 'b'], defs, fail).args, ['a', 'b'])
    assert.throws(() => parseArguments([], defs, fail), /argument "ipfs-path" is required/)
    assert.equal(parseArguments([], [arg.file('path', true)], fail).requiredFile, 'path')
    assert.deepEqual(parseArguments(['x'], [arg.string('peerid', false)], fail).args, ['x'])
  })

  it('behavior: Go durations', () => {
    assert.equal(parseGoDuration('300ms'), 300)
    assert.equal(parseGoDuration('1.5s'), 1500)
    assert.equal(parseGoDuration('1h2m3s'), 3723000)
    assert.equal(parseGoDuration('250us'), 0.25)
    assert.equal(parseGoDuration('0'), 0)
    assert.equal(parseGoDuration('10'), undefined)
    assert.equal(parseGoDuration('soon'), undefined)
  })

  it('behavior: part names are unescaped and cleaned; climbing out of the root is refused', () => {
    assert.equal(cleanPartName('dir%2Fa%20b.txt'), 'dir/a b.txt')
    assert.equal(cleanPartName('/abs//./x/'), 'abs/x')
    assert.equal(cleanPartName('100%'), '100%', 'an invalid escape keeps the raw name')
    assert.equal(cleanPartName(undefined), '')
    for (const evil of ['..', '../x', 'a/../../b', '..%2F..%2Fetc', 'a/..']) {
      assert.throws(
        () => cleanPartName(evil),
        (err: KuboApiError) => err.code === 'IPFS_API_ERROR_BAD_MULTIPART' && /path traversal/.test(err.message),
      )
    }
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '.', '..', '', 'c d'), { maxLength: 6 }), (parts) => {
        const name = parts.join('/')
        try {
          const cleaned = cleanPartName(name)
          assert.ok(!cleaned.split('/').includes('..'))
          assert.ok(!cleaned.startsWith('/'))
        } catch (err) {
          assert.ok(parts.includes('..'))
          assert.ok(err instanceof KuboApiError)
        }
      }),
    )
  })

  it('behavior: content paths as Kubo accepts them', () => {
    const cid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    for (const text of [cid, `/ipfs/${cid}`, `ipfs://${cid}`, `/ipld/${cid}`]) {
      assert.equal(parseContentPath(text).root.toString(), cid, text)
    }
    assert.deepEqual(parseContentPath(`/ipfs/${cid}/a//b/`).segments, ['a', 'b'])
    assert.throws(() => parseContentPath('/ipns/example.com'), /IPNS paths are not supported/)
    assert.throws(() => parseContentPath('/foo/bar'), /unknown namespace: "foo"/)
    assert.throws(() => parseContentPath(''), /path does not have enough components/)
  })

  it('behavior: chunker strings as boxo parses them', () => {
    assert.equal(parseChunker(undefined), 262144)
    assert.equal(parseChunker('size-1000'), 1000)
    assert.throws(() => parseChunker('size-0'), /chunker size must be greater than 0/)
    assert.throws(() => parseChunker('size-2096897'), /may not exceed the maximum chunk size of 2096896/)
    assert.throws(() => parseChunker('size-x'), /strconv.Atoi: parsing "x": invalid syntax/)
    assert.throws(() => parseChunker('foo'), /unrecognized chunker option: foo/)
  })

  it('behavior: the GC lock never lets gc run together with an add or pin', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), async (kinds) => {
        const lock = new GcLock()
        let readers = 0
        let writers = 0
        await Promise.all(
          kinds.map(async (isGc, i) => {
            const release = isGc ? await lock.gcLock() : await lock.pinLock()
            if (isGc) writers++
            else readers++
            assert.ok(writers === 0 || (writers === 1 && readers === 0), `step ${i}: ${writers} gc, ${readers} adds`)
            await new Promise((resolve) => setImmediate(resolve))
            if (isGc) writers--
            else readers--
            release()
          }),
        )
      }),
    )
  })
})
