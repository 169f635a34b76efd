/**
 * Builds the page into `dist/web` with esbuild: `web/main.tsx` and the chunks it loads lazily
 * (@polkadot/api only when a page signs or decodes), content-hashed, minified, plus index.html and
 * the stylesheet. Run by the package's `build:web` script, which the root build calls.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const pkg = fileURLToPath(new URL('../../', import.meta.url))
const out = fileURLToPath(new URL('../web/', import.meta.url))

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const result = await build({
  entryPoints: { main: `${pkg}web/main.tsx` },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
})
copyFileSync(`${pkg}web/index.html`, `${out}index.html`)
copyFileSync(`${pkg}web/style.css`, `${out}style.css`)
writeFileSync(`${out}meta.json`, JSON.stringify(result.metafile))
