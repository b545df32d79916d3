import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { after, before, describe, test } from 'node:test'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import {
  api,
  eventually,
  signatureValid,
  startRawReceiver,
  useLinkUntilCallback,
} from './link-flow.js'

const HOOK_SECRET = 'connect-links-hook-secret-0123456789'

for (const dialect of SERVICE_DIALECTS) {
  describe(`using a connect link [${dialect}]`, () => {
    let svc: TestService
    let key: string
    let receiver: Awaited<ReturnType<typeof startRawReceiver>>
    before(async () => {
      svc = await startTestService(
        {
          IGTOKEN_REFRESH_ENABLED: 'false',
          IGTOKEN_WEBHOOK_POLL_SECONDS: '1',
          IGTOKEN_CONNECT_LINK_RETURN_ORIGINS: 'https://agency.example',
          IGTOKEN_APP_NAME: 'Acme Agency',
        },
        { dialect },
      )
      key = await svc.apiKey()
      receiver = await startRawReceiver()
      const hook = await api(svc.url, key, '/api/v1/webhooks', {
        method: 'POST',
        body: { url: receiver.url, secret: HOOK_SECRET, events: ['account.connected'] },
      })
      assert.equal(hook.status, 201)
    })
    after(async () => {
      await receiver.close()
      await svc.close()
    })

    test('the page names the app and the scopes in words, never the secret; the login lands on return_to; the webhook carries the metadata', async () => {
      const created = await api(svc.url, key, '/api/v1/connect-links', {
        method: 'POST',
        body: {
          label: 'Acme Bakery',
          metadata: { customer_id: 'cus-42' },
          scopes: ['instagram_business_basic', 'instagram_business_manage_insights'],
          return_to: 'https://agency.example/onboarded?c=42',
        },
      })
      const url = String(created.body['url'])
      const id = (created.body['link'] as { id: string }).id
      const secret = url.slice(url.lastIndexOf('/') + 1)
      const page = await fetch(url)
      assert.equal(page.status, 200)
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer')
      const html = await page.text()
      assert.match(html, /Acme Agency/)
      assert.match(html, /the statistics of your account and posts/)
      assert.match(html, /<form method="post">/)
      assert.ok(!html.includes(secret))

      const { callbackUrl, cookie } = await useLinkUntilCallback(url)
      const done = await fetch(callbackUrl, { headers: { cookie }, redirect: 'manual' })
      assert.equal(done.status, 303)
      assert.equal(done.headers.get('location'), 'https://agency.example/onboarded?c=42')

      const listed = await api(svc.url, key, '/api/v1/connect-links')
      const link = (listed.body['data'] as Record<string, unknown>[]).find((l) => l['id'] === id)
      assert.ok(link)
      assert.equal(link['state'], 'used')
      const accounts = await api(svc.url, key, '/api/v1/accounts')
      const account = (accounts.body['data'] as { id: string; scopes: string[] }[]).find(
        (a) => a.id === link['account_id'],
      )
      assert.ok(account, 'the link names the account it connected')

      await eventually(() => receiver.received.length > 0)
      const delivery = receiver.received[0]
      assert.ok(delivery)
      assert.ok(signatureValid(HOOK_SECRET, delivery), 'signature checks with node:crypto')
      const event = JSON.parse(delivery.body) as {
        type: string
        account: { id: string }
        data: Record<string, unknown>
      }
      assert.equal(event.type, 'account.connected')
      assert.equal(event.account.id, account.id)
      assert.equal(event.data['connect_link_id'], id)
      assert.equal(event.data['connect_link_label'], 'Acme Bakery')
      assert.deepEqual(JSON.parse(String(event.data['connect_link_metadata'])), {
        customer_id: 'cus-42',
      })
      assert.ok(svc.logs.length > 0, 'the service logged the run')
      for (const line of svc.logs) assert.ok(!line.includes(secret), line)

      // Used: the page says so (410), and cancelling is refused (409).
      assert.equal((await fetch(url)).status, 410)
      const cancel = await api(svc.url, key, `/api/v1/connect-links/${id}`, { method: 'DELETE' })
      assert.equal(cancel.status, 409)
      assert.equal((cancel.body['error'] as { code: string }).code, 'link_used')
    })

    test('a link is used once: of parallel logins through the same link exactly one connects', async () => {
      const created = await api(svc.url, key, '/api/v1/connect-links', {
        method: 'POST',
        body: { metadata: { race: 'yes' } },
      })
      const url = String(created.body['url'])
      const id = (created.body['link'] as { id: string }).id
      const started = []
      // Five browsers open the link and consent before any of them comes back.
      for (let i = 0; i < 5; i++) started.push(await useLinkUntilCallback(url))
      const answers = await Promise.all(
        started.map(({ callbackUrl, cookie }) =>
          fetch(callbackUrl, {
            headers: { cookie, accept: 'application/json' },
            redirect: 'manual',
          }).then(async (res) => ({ status: res.status, body: await res.text() })),
        ),
      )
      const won = answers.filter((a) => a.status === 200)
      const lost = answers.filter((a) => a.status === 410)
      assert.equal(won.length, 1, JSON.stringify(answers))
      assert.equal(lost.length, 4, JSON.stringify(answers))
      for (const a of lost) assert.match(a.body, /link_gone/)
      const db = svc.service.store.db
      const events = await sql<{ n: number | string }>`
        select count(*) as n from events where type = 'account.connected' and detail like ${`%${id}%`}`.execute(
        db,
      )
      assert.equal(Number(events.rows[0]?.n), 1)
      const row = await sql<{ used_at: unknown; account_id: string | null }>`
        select used_at, account_id from connect_links where id = ${id}`.execute(db)
      const used = row.rows[0]
      assert.ok(used, 'the link row is there')
      assert.notEqual(used.used_at, null)
      assert.notEqual(used.account_id, null)
      // A replay of the winner's callback changes nothing either.
      const replay = await fetch(started[0]?.callbackUrl ?? '', {
        headers: { cookie: started[0]?.cookie ?? '' },
        redirect: 'manual',
      })
      assert.equal(replay.status, 400)
    })
  })
}
