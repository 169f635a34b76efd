/**
 * Hosts on one machine: each in its own Linux network namespace with its own address on a bridge
 * (veth pairs), the way a multi-host test network places its nodes. A host's link can be cut and
 * restored (partitions) and rate-limited with a token bucket (`tc tbf`; the kernels we run on have
 * no netem, so latency, jitter and loss come from `LinkProxy`). Needs root and iproute2.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** The script `forwardLoopback` runs in a host's namespace. */
const LOOPBACK_FORWARDER = fileURLToPath(new URL('./loopback-forwarder.js', import.meta.url))

const run = promisify(execFile)

async function ip(...args: string[]): Promise<void> {
  await run('ip', args)
}

/** Why namespaces cannot be used here (one line), or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, or in a container with CAP_NET_ADMIN)'
  const probe = `crust-probe-${process.pid}`
  try {
    await ip('netns', 'add', probe)
  } catch (err) {
    const detail = (err as { stderr?: string; message: string }).stderr?.trim() || (err as Error).message
    return `cannot create a network namespace: ${detail.split('\n')[0]}`
  }
  await ip('netns', 'del', probe).catch(() => {})
  return undefined
}

/** SIGKILLs a forwarder (it holds nothing) and resolves once it exited. */
function stopForwarder(f: ChildProcess): Promise<void> {
  if (f.exitCode !== null || f.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => f.once('exit', () => resolve()))
  f.kill('SIGKILL')
  return exited
}

export interface Host {
  /** Index in the network (0-based). */
  index: number
  /** The namespace's name (`ip netns exec <ns> …`). */
  ns: string
  /** The host's address on the bridge. */
  address: string
  /** The veth end on the bridge side, in the root namespace: cutting it partitions the host. */
  link: string
}

export interface HostNetworkInit {
  hosts: number
  /** Second octet of the 10.x.0.0/24 subnet; different networks on one machine need different ones (default from the pid). */
  subnet?: number
  /**
   * Hosts reach only the root namespace, never each other directly (isolated bridge ports): every
   * connection between hosts must pass through something in the root namespace (a link proxy).
   */
  isolate?: boolean
}

/** Faults the kernel adds to a link with netem, where it has netem. */
export interface KernelLinkFaults {
  latencyMs: number
  jitterMs: number
  /** Probability 0-1 that a packet is dropped. */
  loss: number
  /** Rate limit in Mbit/s (none when undefined). */
  mbit?: number
}

/** A bridge with `hosts` namespaces on it; `destroy()` removes everything it created. */
export class HostNetwork {
  readonly hosts: Host[] = []
  /** The bridge's address: the root namespace as seen from every host (where link proxies listen). */
  readonly gateway: string
  /** The bridge's interface name (in the root namespace). */
  readonly bridge: string
  private readonly tag: string
  private isolate = false
  private readonly forwarders = new Set<ChildProcess>()

  private constructor(private readonly subnet: number) {
    this.tag = `c${subnet}`
    this.bridge = `${this.tag}br`
    this.gateway = `10.${subnet}.0.1`
  }

  static async create(init: HostNetworkInit): Promise<HostNetwork> {
    if (init.hosts < 1 || init.hosts > 200) throw new RangeError('HostNetwork: 1 to 200 hosts')
    const net = await HostNetwork.claimBridge(init.subnet)
    net.isolate = init.isolate === true
    try {
      await ip('addr', 'add', `${net.gateway}/24`, 'dev', net.bridge)
      await ip('link', 'set', net.bridge, 'up')
      for (let i = 0; i < init.hosts; i++) await net.addHost(i)
    } catch (err) {
      await net.destroy()
      throw err
    }
    return net
  }

  /**
   * Creates the bridge of the first free subnet (the given one, or from the pid on): two networks
   * on one machine (tests run side by side) never share one, and a taken one is never touched.
   */
  private static async claimBridge(subnet: number | undefined): Promise<HostNetwork> {
    const first = subnet ?? 100 + (process.pid % 150)
    for (let i = 0; ; i++) {
      const net = new HostNetwork(subnet ?? 100 + ((first - 100 + i) % 150))
      try {
        await ip('link', 'add', net.bridge, 'type', 'bridge')
        return net
      } catch (err) {
        const taken = /File exists/.test((err as { stderr?: string }).stderr ?? '')
        if (!taken || subnet !== undefined || i >= 149) throw err
      }
    }
  }

  private async addHost(index: number): Promise<void> {
    const ns = `${this.tag}h${index}`
    const link = `${this.tag}v${index}`
    const inner = `${this.tag}i${index}`
    const address = `10.${this.subnet}.0.${index + 10}`
    await ip('netns', 'add', ns)
    this.hosts.push({ index, ns, address, link })
    await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', inner)
    await ip('link', 'set', inner, 'netns', ns)
    await ip('link', 'set', link, 'master', this.bridge)
    if (this.isolate) await ip('link', 'set', 'dev', link, 'type', 'bridge_slave', 'isolated', 'on')
    await ip('link', 'set', link, 'up')
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner)
    await ip('-n', ns, 'link', 'set', inner, 'up')
    await ip('-n', ns, 'link', 'set', 'lo', 'up')
    await ip('-n', ns, 'route', 'add', 'default', 'via', this.gateway)
  }

  /** Starts `command args` inside the host's namespace. */
  spawn(host: Host, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', host.ns, command, ...args], options)
  }

  /**
   * Cuts the host off the network (its link goes down): a partition of one. The other hosts forget
   * its link-layer address, so they find it unreachable within an ARP timeout instead of sending
   * into the void until TCP gives up.
   */
  async cut(host: Host): Promise<void> {
    await ip('link', 'set', host.link, 'down')
    for (const h of this.hosts) if (h !== host) await ip('-n', h.ns, 'neigh', 'flush', 'to', host.address).catch(() => {})
  }

  /** Restores a cut link. */
  async heal(host: Host): Promise<void> {
    await ip('link', 'set', host.link, 'up')
  }

  /** Limits what reaches the host to `mbit` Mbit/s (a token bucket on its bridge-side link). */
  async rateLimit(host: Host, mbit: number): Promise<void> {
    await run('tc', ['qdisc', 'replace', 'dev', host.link, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '64kb', 'latency', '200ms'])
  }

  /**
   * Limits what the host sends to `mbit` Mbit/s (a token bucket on its own end of the link, inside
   * its namespace): a server that uploads slowly, whoever downloads from it.
   */
  async rateLimitUpload(host: Host, mbit: number): Promise<void> {
    const inner = `${this.tag}i${host.index}`
    await run('ip', [
      'netns',
      'exec',
      host.ns,
      'tc',
      'qdisc',
      'replace',
      'dev',
      inner,
      'root',
      'tbf',
      'rate',
      `${mbit}mbit`,
      'burst',
      '64kb',
      'latency',
      '200ms',
    ])
  }

  /**
   * Adds latency, jitter, loss and a rate limit to what reaches the host, in the kernel (netem on
   * its bridge-side link); false where the kernel has no netem (then a link proxy has to).
   */
  async netem(host: Host, faults: KernelLinkFaults): Promise<boolean> {
    const args = ['qdisc', 'replace', 'dev', host.link, 'root', 'netem', 'delay', `${faults.latencyMs}ms`, `${faults.jitterMs}ms`]
    args.push('loss', `${faults.loss * 100}%`, ...(faults.mbit === undefined ? [] : ['rate', `${faults.mbit}mbit`]))
    try {
      await run('tc', args)
      return true
    } catch {
      return false
    }
  }

  /**
   * Makes the host's loopback-only ports reachable on its own address (a forwarder process in its
   * namespace, one per host, gone with `destroy()`): a test network's services that listen on
   * 127.0.0.1 by design, reached from the root namespace and through link proxies.
   */
  async forwardLoopback(host: Host, ports: number[]): Promise<ChildProcess> {
    const child = this.spawn(host, process.execPath, [LOOPBACK_FORWARDER, host.address, ...ports.map(String)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    this.forwarders.add(child)
    child.once('exit', () => this.forwarders.delete(child))
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve())
      child.once('exit', (code) => reject(new Error(`loopback forwarder in ${host.ns} exited (${code}): ${stderr.trim().split('\n').pop()}`)))
    })
    return child
  }

  /** Removes the namespaces (their processes' sockets go with them) and the bridge. */
  async destroy(): Promise<void> {
    await Promise.all([...this.forwarders].map((f) => stopForwarder(f)))
    for (const h of this.hosts) await ip('netns', 'del', h.ns).catch(() => {})
    this.hosts.length = 0
    await ip('link', 'del', this.bridge).catch(() => {})
  }
}
