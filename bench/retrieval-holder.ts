/**
 * One holder of the retrieval benchmarks (bench/retrieval-holders.ts), run as its own process in a
 * network namespace: an IPFS node on a fresh LMDB repo listening on the host's address, holding
 * `files` generated files of `mib` MiB each (the same bytes in every holder, so the same CIDs) and
 * one more of `bigMib` MiB, and, when `pullMib` is given, one of `pullMib` MiB whose size in bytes it
 * also serves on a raw libp2p stream (the pull's anchor: the same two processes, no bitswap), with
 * its Kubo API on the host's address (the anchor of a pull through another node's API: this node's
 * own `cat`). It tells its parent (IPC) its peer id, addresses, CIDs and API port, then serves until
 * the parent disconnects.
 *
 *   ip netns exec <ns> node bench/dist/retrieval-holder.js <repo> <address> <files> <mib> <bigMib> [<pullMib>]
 */
import { createCipheriv, createHash } from 'node:crypto'
import { createIpfsNode, createKuboApiServer, kuboAddOptions } from '@crust-ts/ipfs'
import { type HolderReady, RAW_PULL_PROTOCOL } from './retrieval-wire.js'

const CHUNK = 1024 * 1024

/** `mib` MiB of bytes that depend only on `seed` (AES-256-CTR of zeros), 1 MiB at a time. */
export async function* seededBytes(seed: string, mib: number): AsyncGenerator<Uint8Array> {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16))
  const zeros = Buffer.alloc(CHUNK)
  for (let i = 0; i < mib; i++) yield cipher.update(zeros)
}

async function main(): Promise<void> {
  const [repoPath, address, files, mib, bigMib, pullMib] = process.argv.slice(2)
  if (repoPath === undefined || address === undefined || bigMib === undefined)
    throw new Error('usage: retrieval-holder <repo> <address> <files> <mib> <bigMib>')
  const node = await createIpfsNode({ repoPath, swarm: [`/ip4/${address}/tcp/0`] })
  const cids: string[] = []
  for (let i = 0; i < Number(files); i++) cids.push((await node.fs.addByteStream(seededBytes(`file-${i}`, Number(mib)), kuboAddOptions())).toString())
  cids.push((await node.fs.addByteStream(seededBytes('big', Number(bigMib)), kuboAddOptions())).toString())
  const ready: HolderReady = { peerId: node.libp2p.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String), cids }
  if (pullMib !== undefined && Number(pullMib) > 0) {
    ready.pullCid = (await node.fs.addByteStream(seededBytes('pull', Number(pullMib)), kuboAddOptions())).toString()
    // The anchor sends as bitswap would: 256 KiB pieces, waiting when the stream says so.
    const piece = new Uint8Array(256 * 1024).fill(7)
    await node.libp2p.handle(RAW_PULL_PROTOCOL, async (stream) => {
      // Not before the asker's byte: until it reads, what arrives piles up in its stream's read
      // buffer, whose 4 MiB limit aborts the stream (yamux grants window as frames arrive, not as they are read).
      for await (const _ of stream) break
      for (let left = Number(pullMib) * 4; left > 0; left--) if (!stream.send(piece)) await stream.onDrain()
      await stream.close()
    })
  }
  const api = pullMib !== undefined && Number(pullMib) > 0 ? createKuboApiServer(node, { host: address, port: 0 }) : undefined
  if (api !== undefined) ready.apiPort = (await api.start()).port
  process.send!(ready)
  process.once('disconnect', () => {
    void (api?.stop() ?? Promise.resolve()).then(() => node.stop()).finally(() => process.exit(0))
  })
}

await main()
