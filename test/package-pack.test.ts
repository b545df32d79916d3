import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'

const root = new URL('..', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'igtoken-pack-'))
after(() => {
  rmSync(work, { recursive: true, force: true })
})

// Installs the tarball as users get it (`npm pack`, then `npm install <tgz>` into an empty folder)
// and imports it from plain JavaScript: proves the exports map, the build and the declarations.
test('the packed tarball installs into an empty project and imports from plain JavaScript', () => {
  execFileSync('npm', ['pack', '--pack-destination', work, '--ignore-scripts'], {
    cwd: root,
    stdio: 'pipe',
  })
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  assert.ok(tarball, 'npm pack wrote a tarball')
  const project = join(work, 'app')
  execFileSync('mkdir', ['-p', project])
  writeFileSync(join(project, 'package.json'), '{"name":"app","private":true,"type":"module"}')
  // --prefer-offline: most dependencies come from npm's cache; the rest from the registry.
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      join(work, tarball),
    ],
    { cwd: project, stdio: 'pipe' },
  )
  writeFileSync(
    join(project, 'check.mjs'),
    `import * as lib from 'igtoken'
import * as emulator from 'igtoken/emulator'
import * as client from 'igtoken/client'
const out = {
  createMetaClient: typeof lib.createMetaClient,
  verifySignedRequest: typeof lib.verifySignedRequest,
  startEmulator: typeof emulator.startEmulator,
  createIgtokenClient: typeof client.createIgtokenClient,
  verifyWebhook: typeof client.verifyWebhook,
}
console.log(JSON.stringify(out))
`,
  )
  const printed = execFileSync(process.execPath, ['check.mjs'], { cwd: project, encoding: 'utf8' })
  assert.deepEqual(JSON.parse(printed), {
    createMetaClient: 'function',
    verifySignedRequest: 'function',
    startEmulator: 'function',
    createIgtokenClient: 'function',
    verifyWebhook: 'function',
  })
  const listing = execFileSync('npm', ['ls', '--all', '--parseable'], {
    cwd: project,
    encoding: 'utf8',
  })
  assert.match(listing, /node_modules\/igtoken$/m)
  const types = readdirSync(join(project, 'node_modules', 'igtoken', 'dist'))
  assert.ok(types.includes('index.d.ts'), 'type declarations are shipped')
})
