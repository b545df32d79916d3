import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createWebhookSubscriber } from '../../src/store/index.js'
import { runCli } from '../cli/cli-process.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const SECRET = 'a-receiver-secret-of-32-characters'
// Internal destinations a key holder could otherwise point the delivery worker at. Loopback
// addresses only are ever contacted by tests, and these are refused before any connection.
const INTERNAL = [
  'http://127.0.0.1:1/',
  'http://[::1]/',
  'http://localhost/',
  'http://2130706433/',
  'http://0x7f.1/x',
  'http://169.254.169.254/latest/meta-data/',
]
const ALLOW = '127.0.0.1 ::1 localhost 169.254.169.254'

function cliEnv(svc: TestService, allow: string): Record<string, string> {
  return {
    IGTOKEN_DATA_DIR: svc.dataDir,
    IGTOKEN_CONFIG_DIR: join(svc.dataDir, 'config'),
    IGTOKEN_DATABASE_URL: svc.databaseUrl,
    IGTOKEN_DEMO: 'true',
    IGTOKEN_WEBHOOK_ALLOW_HOSTS: allow,
  }
}

async function subscribe(svc: TestService, key: string, url: string): Promise<Response> {
  return fetch(`${svc.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, secret: SECRET }),
  })
}

async function storedUrls(svc: TestService): Promise<string[]> {
  const rows = await svc.service.store.db.selectFrom('webhook_subscribers').select('url').execute()
  return rows.map((r) => r.url).sort()
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`adding a webhook subscriber [${dialect}]`, () => {
    let strict: TestService
    let allowing: TestService
    before(async () => {
      strict = await startTestService({ IGTOKEN_WEBHOOK_ALLOW_HOSTS: '' }, { dialect })
      allowing = await startTestService({ IGTOKEN_WEBHOOK_ALLOW_HOSTS: ALLOW }, { dialect })
    })
    after(async () => {
      await strict.close()
      await allowing.close()
    })

    test('internal destinations are refused by the API and the CLI, nothing stored', async () => {
      const key = await strict.apiKey()
      for (const url of INTERNAL) {
        const res = await subscribe(strict, key, url)
        assert.equal(res.status, 400, url)
        const error = ((await res.json()) as { error: { code: string; message: string } }).error
        assert.equal(error.code, 'invalid_request')
        assert.match(error.message, /IGTOKEN_WEBHOOK_ALLOW_HOSTS/)
        const run = await runCli(['webhooks', 'add', url, '--secret', SECRET], cliEnv(strict, ''))
        assert.equal(run.code, 2, `${url}: ${run.stderr}`)
        assert.match(run.stderr, /refused/)
      }
      assert.deepEqual(await storedUrls(strict), [])
    })

    test('the allow-list lets them in; the URL is stored normalised; a duplicate is refused', async () => {
      const key = await allowing.apiKey()
      const [first, ...rest] = INTERNAL
      for (const url of rest) assert.equal((await subscribe(allowing, key, url)).status, 201, url)
      const run = await runCli(
        ['webhooks', 'add', first ?? '', '--secret', SECRET, '--json'],
        cliEnv(allowing, ALLOW),
      )
      assert.equal(run.code, 0, run.stderr)
      assert.deepEqual(await storedUrls(allowing), [
        'http://127.0.0.1/',
        'http://127.0.0.1/x',
        'http://127.0.0.1:1/',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]/',
        'http://localhost/',
      ])
      // The same destination spelled otherwise is the same subscriber.
      const again = await subscribe(allowing, key, 'http://0x7F.0.0.1/x')
      assert.equal(again.status, 400)
      const error = ((await again.json()) as { error: { code: string; message: string } }).error
      assert.equal(error.code, 'invalid_request')
      assert.match(error.message, /already receives at this URL/)
      const cliAgain = await runCli(
        ['webhooks', 'add', 'http://localhost/', '--secret', SECRET],
        cliEnv(allowing, ALLOW),
      )
      assert.equal(cliAgain.code, 2)
      assert.match(cliAgain.stderr, /already receives/)
      assert.equal((await storedUrls(allowing)).length, 6)
    })

    test('a URL with a terminal escape is stored escaped and listed without a raw ESC', async () => {
      const key = await allowing.apiKey()
      const res = await subscribe(allowing, key, 'http://127.0.0.1/\u001b[2Jhooks')
      assert.equal(res.status, 201)
      assert.equal(((await res.json()) as { url: string }).url, 'http://127.0.0.1/%1B[2Jhooks')
      assert.ok((await storedUrls(allowing)).includes('http://127.0.0.1/%1B[2Jhooks'))
      assert.ok(!(await storedUrls(allowing)).some((u) => u.includes('\u001b')))
      // A row written raw before URLs were normalised still prints without the escape.
      await createWebhookSubscriber(allowing.service.store, allowing.service.runtime.keyring, {
        url: 'http://127.0.0.1/old\u001b[2J',
        secret: SECRET,
        events: ['*'],
        now: Date.now(),
      })
      const list = await runCli(['webhooks', 'list'], cliEnv(allowing, ALLOW))
      assert.equal(list.code, 0, list.stderr)
      assert.ok(!list.stdout.includes('\u001b'), JSON.stringify(list.stdout))
      assert.match(list.stdout, /http:\/\/127\.0\.0\.1\/old\\u001b\[2J/)
      assert.match(list.stdout, /%1B\[2Jhooks/)
    })
  })
}
