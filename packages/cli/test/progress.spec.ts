import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Progress } from '../src/commands/progress.js'

function sink(isTTY: boolean) {
  const writes: string[] = []
  return { writes, out: { isTTY, write: (t: string) => writes.push(t) } }
}

describe('progress output', () => {
  it('behavior: on a terminal a bar is redrawn in place and cleared before a log line', () => {
    const { writes, out } = sink(true)
    const p = new Progress(out)
    p.bytes('upload', 1048576, 4194304)
    assert.equal(writes.length, 1)
    assert.ok(writes[0]!.startsWith('\r\u001b[K'), 'redrawn in place')
    assert.match(writes[0]!.slice(4), /^upload \[#{8}\.{22}\] 25 % 1\.0\/4\.0 MiB$/)
    p.bytes('upload', 4194304, 4194304) // the end is always drawn
    assert.match(writes.at(-1)!, /\[#{30}\] 100 % 4\.0\/4\.0 MiB$/)
    p.log('added')
    assert.deepEqual(writes.slice(-2), ['\r\x1b[K', 'added\n'])
  })

  it('behavior: without a terminal there are no bars, only plain lines', () => {
    const { writes, out } = sink(false)
    const p = new Progress(out)
    p.bytes('upload', 10, 100)
    p.bar('replicas', 1, 3, '1/3', true)
    p.log('replicas: 1/3 reported')
    p.clear()
    assert.deepEqual(writes, ['replicas: 1/3 reported\n'])
  })
})
