/** NDJSON decoding of Kubo's streamed answers (moved here with the code from the sManager's pull client). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ndjson } from '../src/kubo/ndjson.js'

const enc = new TextEncoder()

async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield enc.encode(p)
}

async function all(source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const v of source) out.push(v)
  return out
}

describe('kubo: NDJSON', () => {
  it('behavior: values split across chunks, several per chunk, and a last line without newline', async () => {
    const out = await all(ndjson(chunks(['{"Progress":1}\n{"Prog', 'ress":2}\n\n{"Pins":["x"]', '}\n{"a":"b', '"}'])))
    assert.deepEqual(out, [{ Progress: 1 }, { Progress: 2 }, { Pins: ['x'] }, { a: 'b' }])
  })

  it('behavior: a multi-byte character split between chunks decodes whole', async () => {
    const bytes = enc.encode('{"a":"é"}\n')
    async function* split(): AsyncGenerator<Uint8Array> {
      yield bytes.slice(0, 7)
      yield bytes.slice(7)
    }
    assert.deepEqual(await all(ndjson(split())), [{ a: 'é' }])
  })
})
