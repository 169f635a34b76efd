/**
 * Run inside a host's namespace by `HostNetwork.forwardLoopback`: `<address> <port>...` listens on
 * `<address>:<port>` for each port and forwards every connection to `127.0.0.1:<port>`, so services
 * bound to loopback (as a node's IPFS API is by default) can be reached from other hosts. Says
 * `ready` over IPC once every port listens.
 */
import { LinkProxy } from './link-proxy.js'

const [address, ...ports] = process.argv.slice(2)
if (address === undefined || ports.length === 0) {
  process.stderr.write('usage: loopback-forwarder <address> <port>...\n')
  process.exit(2)
}
const proxies = ports.map((p) => new LinkProxy({ listenHost: address, listenPort: Number(p), targetHost: '127.0.0.1', targetPort: Number(p) }))
await Promise.all(proxies.map((p) => p.start()))
process.send?.({ type: 'ready' })
// Stops with its parent: the IPC channel closes when the launcher exits, however it exits.
process.on('disconnect', () => process.exit(0))
