/** Starting node:http servers the same way everywhere. */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

/** Listens on `host:port` (0 = any free port); rejects with the listen error (EADDRINUSE, EACCES ...). */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}
