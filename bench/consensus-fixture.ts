/**
 * The consensus package's test launcher (validator processes, an RPC client, temp folders) as the
 * consensus benches see it: loaded from its compiled test fixtures at run time, so bench/ does not
 * depend on test code at build time.
 */
export interface NodeProcess {
  child: { kill(signal: string): void; pid?: number }
  rpc: string
  addrs: string[]
  exited: Promise<unknown>
}

export interface RpcClient {
  call<T>(method: string, params?: unknown[]): Promise<T>
  bestNumber(): Promise<number>
  close(): void
}

export interface ConsensusFixture {
  startNode(root: string, name: string, config: { blockTimeMs: number; bootstrap: string[]; validatorKey?: string }): Promise<NodeProcess>
  RpcClient: { connect(url: string): Promise<RpcClient> }
  tempDir(prefix: string): string
}

/** Loads the compiled launcher (`npm run build` first). */
export async function loadConsensusFixture(): Promise<ConsensusFixture> {
  return (await import(new URL('../../packages/consensus/dist/test/fixtures/network.js', import.meta.url).href)) as ConsensusFixture
}
