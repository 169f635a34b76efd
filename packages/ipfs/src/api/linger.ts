/**
 * Lingering close for answers given before the request body was read.
 *
 * Node ends a `Connection: close` answer with `socket.destroySoon()`, which closes the socket as
 * soon as the answer is written while the rest of the body still sits unread in the kernel. The
 * kernel then answers the client with a reset, and a client that is still writing its body sees
 * EPIPE/ECONNRESET on its next write and drops the connection, often before it read the answer
 * (seen under load: the client got no answer at all). So after the answer we half-close (FIN,
 * the client reads the answer to its end), keep reading and dropping body bytes up to a bound, then
 * stop reading, and close for good only when the client closes or after a grace period.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

export interface LingerLimits {
  /** Body bytes read and dropped after the answer; past this the socket is no longer read. */
  maxBytes: number
  /** How long the connection may linger after the answer was written before it is destroyed. */
  graceMs: number
}

/** Takes over the rest of `req`'s body and the closing of its socket. */
export function lingerAfterAnswer(req: IncomingMessage, limits: LingerLimits): void {
  const socket: Socket = req.socket
  let seen = 0
  let timer: NodeJS.Timeout | undefined
  req.unpipe()
  req.removeAllListeners('data')
  req.on('error', () => {})
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length
    // past the bound, stop reading: the client's writes block (no reset) until the grace ends
    if (seen > limits.maxBytes) req.pause()
  })
  req.resume()

  const destroySoon = socket.destroySoon.bind(socket)
  const destroy = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    socket.destroy()
  }
  socket.once('close', () => {
    if (timer !== undefined) clearTimeout(timer)
  })
  // the whole body arrived (nothing unread, so no reset): close as Node would
  req.once('end', () => {
    socket.destroySoon = destroySoon
    if (timer !== undefined) {
      clearTimeout(timer)
      destroySoon()
    }
  })
  req.once('aborted', destroy)

  const linger = (): void => {
    if (socket.destroyed || timer !== undefined) return
    if (socket.writable) socket.end()
    timer = setTimeout(destroy, limits.graceMs)
    timer.unref()
  }
  // Node calls destroySoon() once a `Connection: close` answer is finished; this socket lingers instead
  socket.destroySoon = linger
}
