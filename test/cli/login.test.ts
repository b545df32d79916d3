import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { get as httpsGet } from 'node:https'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { answerConsent } from '../helpers/consent.js'
import { freePort } from '../helpers/ports.js'
import { authorizationUrlOf, freeCallback, runCli, startCli, startWorld } from './cli-process.js'
import type { CliWorld } from './cli-process.js'

const IG_APP = DEMO_APP.instagramAppId
const SECRET = DEMO_APP.instagramAppSecret

let world: CliWorld
let callback: string
let pasteCallback: string
let httpsCallback: string

before(async () => {
  callback = await freeCallback()
  pasteCallback = await freeCallback()
  httpsCallback = await freeCallback('https')
  world = await startWorld([callback, pasteCallback, httpsCallback])
})
after(async () => {
  await world.close()
})

function loginArgs(redirect: string, ...extra: string[]): string[] {
  return ['login', '--app-id', IG_APP, '--redirect-uri', redirect, '--no-open', ...extra]
}

function assertNoSecrets(text: string, ...secrets: string[]): void {
  assert.ok(!text.includes(SECRET), 'the app secret is never printed')
  for (const s of secrets) assert.ok(!text.includes(s), 'a secret value is not printed')
}

describe('igtoken login: first-time failures say what to do', () => {
  test('an unregistered redirect URI names the exact string to register', async () => {
    const unregistered = await freeCallback()
    const r = await runCli(loginArgs(unregistered), world.env)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /not registered/)
    assert.ok(r.stderr.includes(`register exactly ${unregistered}`), r.stderr)
    assertNoSecrets(r.stdout + r.stderr)
  })

  test('the Meta app id where the Instagram app id belongs gets the Invalid platform app hint', async () => {
    const r = await runCli(
      ['login', '--app-id', DEMO_APP.metaAppId, '--redirect-uri', callback, '--no-open'],
      world.env,
    )
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Invalid platform app/)
    assert.match(r.stderr, /fix: .*Instagram app id/)
  })

  test('a misspelled scope stops before the browser, naming the right spelling', async () => {
    const r = await runCli(
      loginArgs(
        callback,
        '--scopes',
        'instagram_business_basic,instagram_business_content_publishing',
      ),
      world.env,
    )
    assert.equal(r.code, 2)
    assert.match(r.stderr, /use "instagram_business_content_publish"/)
    assert.doesNotMatch(r.stderr, /Open this address/)
  })

  test('a deprecated scope stops too', async () => {
    const r = await runCli(loginArgs(callback, '--scopes', 'business_basic'), world.env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /deprecated by Meta on 2025-01-27; use "instagram_business_basic"/)
  })

  test('a busy port says so and offers another port', async () => {
    const port = await freePort()
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const busy = `http://127.0.0.1:${port}/callback`
      const w = await startWorld([busy])
      try {
        const r = await runCli(loginArgs(busy), w.env)
        assert.equal(r.code, 3)
        assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is busy`))
        assert.ok(r.stderr.includes(`--redirect-uri http://127.0.0.1:${port + 1}/callback`))
      } finally {
        await w.close()
      }
    } finally {
      blocker.close()
    }
  })

  test('a malformed redirect URI is refused before anything is sent', async () => {
    const before = (await world.emulator.control.requests({})).length
    const r = await runCli(loginArgs('https://localhost:8443/callback#x'), world.env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Meta refuses redirect URIs with a fragment/)
    assert.equal((await world.emulator.control.requests({})).length, before, 'nothing reached Meta')
  })

  test('without an app secret a script is told where to put it', async () => {
    const env = { ...world.env, IGTOKEN_APP_SECRET: '' }
    const r = await runCli(loginArgs(callback), env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no app secret given/)
    assert.match(r.stderr, /IGTOKEN_APP_SECRET/)
  })

  test('a wrong secret is explained without echoing it', async () => {
    const wrong = 'wrong-secret-value-123456'
    const cli = startCli(loginArgs(pasteCallback, '--paste'), {
      ...world.env,
      IGTOKEN_APP_SECRET: wrong,
    })
    const location = await answerConsent(await authorizationUrlOf(cli), 'allow')
    cli.write(`${location}\n`)
    cli.endInput()
    const r = await cli.exited
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Meta refused the sign-in/)
    // The fix is src/meta's hint for a refused secret where it gives one, else the checklist.
    assert.match(r.stderr, /fix: .*Instagram app secret/)
    assertNoSecrets(r.stdout + r.stderr, wrong)
  })

  test('an expired code says codes last an hour and to start again', async () => {
    const cli = startCli(loginArgs(pasteCallback, '--paste'), world.env)
    const location = await answerConsent(await authorizationUrlOf(cli), 'allow')
    await world.emulator.control.advanceClock(2 * 3_600_000)
    cli.write(`${location}\n`)
    cli.endInput()
    const r = await cli.exited
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Meta refused the sign-in/)
    assert.match(r.stderr, /fix: .*codes work once and expire after 1 hour.*then sign in again/)
    const code = new URL(location).searchParams.get('code') ?? ''
    assertNoSecrets(r.stdout + r.stderr, code.replace(/#.*/, ''))
  })

  test('Cancel on the consent page ends the login with exit 1', async () => {
    const cli = startCli(loginArgs(callback), world.env)
    const location = await answerConsent(await authorizationUrlOf(cli), 'cancel')
    const page = await fetch(location)
    assert.equal(page.status, 400)
    assert.match(await page.text(), /Sign-in cancelled/)
    const r = await cli.exited
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cancelled on Meta's page/)
    assert.equal(r.stdout, '')
  })
})

describe('igtoken login: success', () => {
  test('listener mode: a redirect with the wrong state is ignored, the right one gives the token as JSON', async () => {
    const cli = startCli(loginArgs(callback, '--json'), world.env)
    const authorize = await authorizationUrlOf(cli)
    const location = await answerConsent(authorize, 'allow', { userId: '17841405822304914' })
    const forged = new URL(location.replace(/#.*$/, ''))
    forged.searchParams.set('state', 'not-the-state')
    const refused = await fetch(forged)
    assert.equal(refused.status, 400)
    await cli.waitForStderr(/ignored a request to the callback/)
    const page = await fetch(location.replace(/#.*$/, ''))
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /Signed in/)
    const r = await cli.exited
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as Record<string, unknown>
    assert.deepEqual(Object.keys(doc).sort(), [
      'access_token',
      'account_type',
      'expires_at',
      'expires_in',
      'flavor',
      'issued_at',
      'kind',
      'meta_user_id',
      'scopes',
      'token_type',
      'user_id',
      'username',
    ])
    assert.equal(doc['username'], 'emu_creator')
    assert.equal(doc['user_id'], '17841405822304914')
    assert.equal(doc['kind'], 'instagram_long_lived')
    assert.deepEqual(doc['scopes'], ['instagram_business_basic'])
    assert.ok(typeof doc['access_token'] === 'string' && doc['access_token'].startsWith('IGAA'))
    assert.ok(!html.includes(doc['access_token']), 'the page never shows the token')
    assert.ok(!r.stderr.includes(doc['access_token']), 'the token is not on stderr')
    assert.ok(Date.parse(String(doc['expires_at'])) - Date.now() > 50 * 86_400_000)
    assertNoSecrets(r.stderr)
  })

  test('paste mode: the pasted address (with #_) gives the token; --out writes it with mode 0600', async () => {
    const out = join(world.dir, 'token.json')
    const cli = startCli(loginArgs(pasteCallback, '--paste', '--out', out), world.env)
    const location = await answerConsent(await authorizationUrlOf(cli), 'allow')
    assert.ok(location.endsWith('#_'))
    cli.write('not a redirect at all\n')
    cli.write(`${location}\n`)
    cli.endInput()
    const r = await cli.exited
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /not the redirect of this login/)
    assert.equal(r.stdout, '', 'with --out the token is not printed')
    assert.equal(statSync(out).mode & 0o777, 0o600)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>
    assert.equal(doc['username'], 'emu_business')
    assert.match(String(doc['access_token']), /^IGAA/)
    assert.match(r.stderr, /Signed in as @emu_business/)

    // The saved JSON feeds inspect, which then knows the issue time and expiry.
    const inspected = await runCli(['inspect', '--json'], world.env, readFileSync(out, 'utf8'))
    assert.equal(inspected.code, 0, inspected.stderr)
    const report = JSON.parse(inspected.stdout) as Record<string, unknown>
    assert.equal(report['valid'], true)
    assert.equal(report['kind'], 'long-lived')
    assert.deepEqual(report['scopes'], ['instagram_business_basic'])
    assert.equal((report['refresh'] as Record<string, unknown>)['possible_now'], false)
  })

  test('HTTPS listener: a self-signed certificate is made and kept in the config folder', async () => {
    const cli = startCli(loginArgs(httpsCallback), world.env)
    const location = await answerConsent(await authorizationUrlOf(cli), 'allow')
    const certFile = join(world.env['IGTOKEN_CONFIG_DIR'] ?? '', 'localhost-cert.pem')
    assert.ok(existsSync(certFile))
    assert.equal(
      statSync(join(world.env['IGTOKEN_CONFIG_DIR'] ?? '', 'localhost-key.pem')).mode & 0o777,
      0o600,
    )
    const target = new URL(location.replace(/#.*$/, ''))
    const status = await new Promise<number>((resolve, reject) => {
      // Only this test skips verification: the certificate is the one igtoken just made.
      httpsGet(target, { rejectUnauthorized: false, ca: readFileSync(certFile) }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      }).on('error', reject)
    })
    assert.equal(status, 200)
    const r = await cli.exited
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout.trim(), /^IGAA\S+$/)
    assert.match(r.stderr, /Made a self-signed certificate for localhost/)
    assert.match(r.stderr, /expires 20\d\d-/)
  })
})
