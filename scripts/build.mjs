#!/usr/bin/env node
// Compiles src/ to dist/ and copies the non-TypeScript assets (HTML templates) beside the output.
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const require = createRequire(import.meta.url)
rmSync(join(root, 'dist'), { recursive: true, force: true })
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
)

const assets = /\.(eta|css|svg|png|ico)$/
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) copyAssets(path)
    else if (assets.test(name)) cpSync(path, join(root, 'dist', relative(join(root, 'src'), path)))
  }
}
copyAssets(join(root, 'src'))
