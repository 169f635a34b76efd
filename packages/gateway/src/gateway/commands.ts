/**
 * What a W3Auth tenant may ask of the node's Kubo API. The node is shared by every tenant and by the
 * pinning service, so only commands that read, add content, or pin on the tenant's own account go
 * through; anything that deletes, sweeps or reconfigures the node (repo/gc, block/rm, pin/update,
 * swarm/*, config, key/*, name/*, p2p/*, shutdown, ...) and anything this table does not name is
 * refused with 403 before it reaches the node.
 */

/**
 * How the gateway handles an allowed command:
 * - `read`: forwarded; the answer's bytes (content the node may have fetched for it) count against
 *   the tenant's daily quota;
 * - `info`: forwarded; small answers (one block, a directory listing, the node's id or version);
 * - `upload`: forwarded; the request body counts against the tenant's daily quota;
 * - `upload-pins`: an upload whose result the node pins (`add`, `dag/import`): the pinned roots are
 *   recorded as the tenant's pins;
 * - `dag-stat`: forwarded; the DAG's bytes (the node walks all of it) count against the quota;
 * - `pin-add`, `pin-rm`, `pin-ls`: answered by the gateway from the tenant's own pins.
 */
export type TenantCommandKind = 'read' | 'info' | 'upload' | 'upload-pins' | 'dag-stat' | 'pin-add' | 'pin-rm' | 'pin-ls'

/** The allowlist: Kubo command path (after `/api/v0/`) → kind. */
export const TENANT_COMMANDS: Readonly<Record<string, TenantCommandKind>> = Object.freeze({
  add: 'upload-pins',
  cat: 'read',
  get: 'read',
  ls: 'info',
  'block/get': 'read',
  'block/stat': 'info',
  'dag/get': 'read',
  'dag/stat': 'dag-stat',
  'dag/import': 'upload-pins',
  'files/stat': 'info',
  version: 'info',
  id: 'info',
  'pin/add': 'pin-add',
  'pin/rm': 'pin-rm',
  'pin/ls': 'pin-ls',
})

export type TenantCommand = { allowed: true; command: string; kind: TenantCommandKind } | { allowed: false; command: string }

/**
 * The command of an `/api/v0/...` path and whether tenants may run it. The path is taken as the node
 * would route it: trailing slashes and repeated slashes do not change the command.
 */
export function tenantCommand(pathname: string): TenantCommand {
  const command = pathname
    .replace(/^\/api\/v0\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .join('/')
  const kind = Object.hasOwn(TENANT_COMMANDS, command) ? TENANT_COMMANDS[command] : undefined
  return kind === undefined ? { allowed: false, command } : { allowed: true, command, kind }
}
