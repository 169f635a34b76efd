/** Every command of the API, keyed by path. */
import type { CommandTable } from '../context.js'
import { addCommands } from './add/index.js'
import { blockCommands } from './block.js'
import { dagCommands } from './dag.js'
import { filesCommands } from './files.js'
import { nodeInfoCommands } from './node-info.js'
import { pinCommands } from './pin.js'
import { repoCommands } from './repo.js'
import { unixfsCommands } from './unixfs.js'

export const COMMANDS: CommandTable = {
  ...addCommands,
  ...unixfsCommands,
  ...blockCommands,
  ...dagCommands,
  ...filesCommands,
  ...pinCommands,
  ...repoCommands,
  ...nodeInfoCommands,
}
