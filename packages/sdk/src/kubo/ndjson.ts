/** Newline-delimited JSON from a byte stream (a Kubo RPC channel response). */

/** Each JSON value of `source`, one per line; lines may span chunks; blank lines are skipped. */
export async function* ndjson(source: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of source) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline = buffered.indexOf('\n')
    while (newline !== -1) {
      const line = buffered.slice(0, newline).trim()
      buffered = buffered.slice(newline + 1)
      if (line.length > 0) yield JSON.parse(line) as unknown
      newline = buffered.indexOf('\n')
    }
  }
  buffered += decoder.decode()
  const rest = buffered.trim()
  if (rest.length > 0) yield JSON.parse(rest) as unknown
}
