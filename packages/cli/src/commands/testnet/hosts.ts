/**
 * The hosts of a test network and the links between them: each node in its own namespace, every
 * connection between hosts through a link proxy in the root namespace (an ingress proxy per exposed
 * port: what a host announces to its peers is its proxy's address), with the link's faults added by
 * netem where the kernel has it, by the proxies otherwise.
 */
import { type Host, HostNetwork, LinkProxy, type LinkFaults, seededRandom } from '@crust-ts/testkit'

export interface NetworkFaults {
  latencyMs: number
  jitterMs: number
  /** Probability 0-1 per packet (netem) or per chunk (proxy: a stall of a retransmission's time). */
  loss: number
  /** Rate limit of each host's link in Mbit/s (none when undefined). */
  mbit?: number
}

/** A port of a host that other hosts reach through its ingress proxy. */
export interface ExposedPort {
  host: Host
  port: number
  proxy: LinkProxy
  /** `address:port` of the proxy on the bridge: what other hosts dial. */
  via: string
}

export class TestnetHosts {
  private readonly proxies: ExposedPort[] = []
  private proxyFaults: LinkFaults = {}
  /** Where the faults are added: the kernel (netem) or the link proxies. */
  faultsBy: 'netem' | 'proxy' = 'proxy'
  private streams = 0

  private constructor(
    readonly net: HostNetwork,
    private readonly seed: number,
  ) {}

  static async create(hosts: number, faults: NetworkFaults, seed: number): Promise<TestnetHosts> {
    const net = await HostNetwork.create({ hosts, isolate: true })
    const self = new TestnetHosts(net, seed)
    try {
      await self.setFaults(faults)
    } catch (err) {
      await net.destroy()
      throw err
    }
    return self
  }

  /** Applies `faults` to every link (netem when the first link takes it; else proxies and tbf). */
  async setFaults(faults: NetworkFaults): Promise<void> {
    const [first] = this.net.hosts
    if (first !== undefined && this.faultsBy === 'proxy' && (await this.net.netem(first, faults))) this.faultsBy = 'netem'
    if (this.faultsBy === 'netem') {
      for (const h of this.net.hosts) await this.net.netem(h, faults)
      return
    }
    this.proxyFaults = { latencyMs: faults.latencyMs, jitterMs: faults.jitterMs, loss: faults.loss }
    for (const p of this.proxies) p.proxy.set(this.proxyFaults)
    if (faults.mbit !== undefined) for (const h of this.net.hosts) await this.net.rateLimit(h, faults.mbit)
  }

  /** An ingress proxy for `host:port` on the bridge, with the links' faults (each with its own seeded random stream). */
  async expose(host: Host, port: number): Promise<ExposedPort> {
    const random = seededRandom((this.seed + 0x9e3779b9 * ++this.streams) >>> 0)
    const proxy = new LinkProxy({ listenHost: this.net.gateway, targetHost: host.address, targetPort: port, random, ...this.proxyFaults })
    await proxy.start()
    const exposed = { host, port, proxy, via: `${this.net.gateway}:${proxy.port}` }
    this.proxies.push(exposed)
    return exposed
  }

  async destroy(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.proxy.stop()))
    await this.net.destroy()
  }
}

/** `/ip4/<address>/tcp/<port>` of an `address:port`. */
export const tcpMultiaddr = (via: string) => {
  const [address, port] = via.split(':')
  return `/ip4/${address}/tcp/${port}`
}
