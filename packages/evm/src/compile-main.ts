/** `npm run compile -w @crust-ts/evm`: recompiles the contracts and rewrites src/artifacts.ts. */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileContracts, renderArtifactsModule } from './compile.js'

const target = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'artifacts.ts')
writeFileSync(target, renderArtifactsModule(compileContracts()))
console.log(`wrote ${target}`)
