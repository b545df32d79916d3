import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { authorizationUrlOf, runCli, startCli } from '../cli/cli-process.js'
import { answerConsent } from '../helpers/consent.js'
import { freePort } from '../helpers/ports.js'

// Issue #15 items 6 and 5: a busy emulator port names IGTOKEN_EMULATOR_PORT (and serve's exit
// code is the one docs/cli.md gives); `npx igtoken login` works against the running demo.

const dir = mkdtempSync(join(tmpdir(), 'igtoken-demo-'))
after(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** The code docs/cli.md's exit-code table gives to a busy port (read from the table itself). */
function documentedBusyPortCode(): number {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8')
  const row = /^\| (\d+) +\|[^\n]*port[^\n]*busy/m.exec(doc)
  assert.ok(row !== null, 'docs/cli.md has an exit code for a busy port')
  return Number(row[1])
}

async function hold(): Promise<{ port: number; server: Server }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { port: typeof address === 'object' && address !== null ? address.port : 0, server }
}

test('a busy emulator port is named as IGTOKEN_EMULATOR_PORT, with its port, and exits as documented', async () => {
  const held = await hold()
  try {
    const servicePort = await freePort()
    const r = await runCli(['serve'], {
      IGTOKEN_DATA_DIR: join(dir, 'busy'),
      IGTOKEN_PORT: String(servicePort),
      IGTOKEN_EMULATOR_PORT: String(held.port),
    })
    assert.equal(r.code, documentedBusyPortCode(), r.stderr)
    assert.match(r.stderr, new RegExp(`IGTOKEN_EMULATOR_PORT: port ${String(held.port)} `))
    assert.match(r.stderr, /fix: .*IGTOKEN_EMULATOR_PORT/)
    assert.doesNotMatch(r.stderr, /IGTOKEN_PORT|EADDRINUSE/)
  } finally {
    held.server.close()
  }
})

test('a busy service port still names IGTOKEN_PORT and exits 3', async () => {
  const held = await hold()
  try {
    const r = await runCli(['serve'], {
      IGTOKEN_DATA_DIR: join(dir, 'busy-service'),
      IGTOKEN_PORT: String(held.port),
      IGTOKEN_EMULATOR_PORT: String(await freePort()),
    })
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, new RegExp(`IGTOKEN_PORT: port ${String(held.port)} `))
  } finally {
    held.server.close()
  }
})

test('npx igtoken login with its default redirect works against the running demo', async () => {
  const port = await freePort()
  const emulatorPort = await freePort()
  const serve = startCli(['serve'], {
    IGTOKEN_DATA_DIR: join(dir, 'demo'),
    IGTOKEN_PORT: String(port),
    IGTOKEN_EMULATOR_PORT: String(emulatorPort),
  })
  try {
    await serve.waitForStderr(/igtoken is running in demo mode/)
    // docs/cli.md's recipe: the demo's emulator and app pair; --paste, as over SSH.
    const login = startCli(['login', '--app-id', DEMO_APP.instagramAppId, '--paste', '--no-open'], {
      IGTOKEN_META_EMULATOR_URL: `http://127.0.0.1:${String(emulatorPort)}`,
      IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
      IGTOKEN_CONFIG_DIR: join(dir, 'config'),
    })
    const url = await authorizationUrlOf(login)
    assert.equal(new URL(url).searchParams.get('redirect_uri'), 'https://localhost:8443/callback')
    const location = await answerConsent(url, 'allow')
    login.write(`${location}\n`)
    login.endInput()
    const r = await login.exited
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout.trim(), /^\S{20,}$/, 'prints the token')
    // The recipe in docs/cli.md uses these very values.
    const recipe = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8')
    assert.ok(recipe.includes(`--app-id ${DEMO_APP.instagramAppId} --paste`))
    assert.ok(recipe.includes(`IGTOKEN_APP_SECRET=${DEMO_APP.instagramAppSecret} `))
  } finally {
    serve.kill('SIGTERM')
    await serve.exited
  }
})
