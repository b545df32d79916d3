import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { runCli, startCli } from '../cli/cli-process.js'
import type { CliProcess } from '../cli/cli-process.js'
import { freePort } from '../helpers/ports.js'

// Issue #15 item 10: after Sign out the demo's start link is spent; `igtoken dashboard-link`
// prints a new one-time link that the running service accepts.

const dir = mkdtempSync(join(tmpdir(), 'igtoken-link-'))
let serve: CliProcess
let env: Record<string, string>
let base: string

before(async () => {
  const port = await freePort()
  env = {
    IGTOKEN_DATA_DIR: join(dir, 'data'),
    IGTOKEN_PORT: String(port),
    IGTOKEN_EMULATOR_PORT: String(await freePort()),
  }
  base = `http://127.0.0.1:${String(port)}`
  serve = startCli(['serve'], env, { cwd: dir })
  await serve.waitForStderr(/this link signs you in once/)
})
after(async () => {
  serve.kill()
  await serve.exited
  rmSync(dir, { recursive: true, force: true })
})

test('igtoken dashboard-link prints a link the running demo accepts once', async () => {
  const r = await runCli(['dashboard-link', '--json'], env, '', { cwd: dir })
  assert.equal(r.code, 0, r.stderr)
  const { url, expires_at } = JSON.parse(r.stdout) as { url: string; expires_at: string }
  assert.ok(url.startsWith(`${base}/dashboard/sign-in/link?token=`), url)
  const ttl = Date.parse(expires_at) - Date.now()
  assert.ok(ttl > 14 * 60_000 && ttl <= 15 * 60_000, 'works for 15 minutes')

  const first = await fetch(url, { redirect: 'manual' })
  assert.equal(first.status, 303)
  assert.equal(first.headers.get('location'), '/dashboard')
  const cookie = first.headers.getSetCookie().find((c) => c.startsWith('igtoken_session='))
  assert.ok(cookie !== undefined, 'a session cookie')
  const page = await fetch(`${base}/dashboard`, {
    headers: { cookie: cookie.split(';')[0] ?? '' },
    redirect: 'manual',
  })
  assert.equal(page.status, 200, 'signed in')

  const again = await fetch(url, { redirect: 'manual' })
  assert.equal(again.status, 401, 'a second use is refused')
  assert.match(await again.text(), /npx igtoken dashboard-link/)
  const token = new URL(url).searchParams.get('token') ?? '?'
  assert.ok(!serve.stdout().includes(token) && !serve.stderr().includes(token), 'never logged')

  // The plain form prints the link alone on stdout (pipeable), the explanation on stderr.
  const plain = await runCli(['dashboard-link'], env, '', { cwd: dir })
  assert.equal(plain.code, 0, plain.stderr)
  assert.match(plain.stdout, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\/sign-in\/link\?token=\S+\n$/)
  assert.match(plain.stderr, /Opens the dashboard once, until /)
})

test('the demo banner names the variables the docs say going live needs', async () => {
  const { readFileSync } = await import('node:fs')
  const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
  const sentence = /To go live, set at least ([^\n]+\n[^\n]+)/.exec(docs)?.[1] ?? ''
  const wanted = [...sentence.matchAll(/`(IGTOKEN_[A-Z_]+)`/g)].map((m) => m[1])
  assert.ok(wanted.length >= 4, sentence)
  const banner = /To go live, set ([^\n]+)/.exec(serve.stderr())?.[1] ?? ''
  const named = [...banner.matchAll(/IGTOKEN_[A-Z_]+/g)].map((m) => m[0])
  assert.deepEqual(named, wanted)
})

test('a link of another database is refused', async () => {
  const r = await runCli(
    ['dashboard-link', '--json'],
    { ...env, IGTOKEN_DATA_DIR: join(dir, 'other') },
    '',
    { cwd: dir },
  )
  assert.equal(r.code, 0, r.stderr)
  const { url } = JSON.parse(r.stdout) as { url: string }
  const refused = await fetch(url, { redirect: 'manual' })
  assert.equal(refused.status, 401)
  assert.equal(
    refused.headers.getSetCookie().some((c) => c.startsWith('igtoken_session=')),
    false,
  )
})
