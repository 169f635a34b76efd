import { spawnSync } from 'node:child_process'

/**
 * The URLs of every module a fresh Node process loads while it runs `body` (the text of an ES
 * module, top-level await allowed): what a part really pulls in at run time, for the specs that
 * keep an idle node's code small (a library's entry module can load far more than its parts).
 * Throws when the process fails, with its stderr.
 */
export function modulesLoadedBy(body: string): string[] {
  const script = [
    "import { registerHooks } from 'node:module'",
    'const loaded = []',
    'registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context) } })',
    body,
    'process.stdout.write(JSON.stringify(loaded))',
  ].join('\n')
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`the module probe exited with ${run.status}: ${run.stderr}`)
  return JSON.parse(run.stdout) as string[]
}
