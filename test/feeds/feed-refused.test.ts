// A 190 from Meta on a feed read moves the account to needs_reauth through the refresh's one rule:
// the same status, event and webhook as a refused refresh, recorded once, shown by the API and
// the dashboard. Checked independently with raw SQL on the events and deliveries.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { Jar, PASSWORD, csrfOf, visit } from '../dashboard/harness.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const CREATOR = '17841405822304914'
const BUSINESS = '17841405793187218'

for (const dialect of SERVICE_DIALECTS) {
  describe(`a feed read refused by Meta [${dialect}]`, () => {
    let svc: TestService
    let key: string
    const api = (path: string, body?: unknown) =>
      fetch(`${svc.url}/api/v1${path}`, {
        ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      })

    before(async () => {
      svc = await startTestService(
        { IGTOKEN_ADMIN_PASSWORD: PASSWORD, IGTOKEN_REFRESH_ENABLED: 'false' },
        { dialect },
      )
      key = await svc.apiKey()
      const hook = await api('/webhooks', {
        url: 'http://127.0.0.1:9/hooks',
        secret: 'feed-refused-secret-0123456789',
      })
      assert.equal(hook.status, 201)
    })
    after(async () => {
      await svc.close()
    })

    async function connect(userId: string): Promise<string> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(res.response.status, 200)
      const list = (await (await api('/accounts')).json()) as {
        data: { id: string; user_id: string }[]
      }
      const account = list.data.find((a) => a.user_id === userId)
      assert.ok(account)
      return account.id
    }
    const count = async (table: 'events' | 'webhook_deliveries', id: string, type: string) => {
      const query =
        table === 'events'
          ? sql<{ n: number | string }>`select count(*) as n from events
              where account_id = ${id} and type = ${type}`
          : sql<{ n: number | string }>`select count(*) as n from webhook_deliveries
              where event_type = ${type} and payload like ${`%${id}%`}`
      const rows = await query.execute(svc.service.store.db)
      return Number(rows.rows[0]?.n ?? 0)
    }

    test('190 on the media read: 409 needs_reauth, account needs_reauth in API and dashboard, one event and webhook', async () => {
      const id = await connect(CREATOR)
      await svc.control.changePassword({ userId: CREATOR })
      const published = await api('/feeds', { account_id: id, limit: 2 })
      assert.equal(published.status, 201)
      const feed = (await published.json()) as { id: string }
      // A new feed has no copy: the read goes to Meta, which refuses the token.
      const first = await fetch(`${svc.url}/feeds/${feed.id}.json`)
      assert.equal(first.status, 409)
      assert.equal(((await first.json()) as { error: { code: string } }).error.code, 'needs_reauth')
      const view = (await (await api(`/accounts/${id}`)).json()) as { status: string }
      assert.equal(view.status, 'needs_reauth')
      assert.equal((await api(`/accounts/${id}/token`)).status, 409)
      // Asked again: no second call to Meta, no second event.
      const again = await fetch(`${svc.url}/feeds/${feed.id}.json`)
      assert.equal(again.status, 409)
      assert.equal(await count('events', id, 'account.needs_reauth'), 1)
      const detail = await sql<{
        detail: string
      }>`select detail from events where account_id = ${id} and type = 'account.needs_reauth'`.execute(
        svc.service.store.db,
      )
      assert.match(detail.rows[0]?.detail ?? '', /"trigger":"read"/)
      assert.match(detail.rows[0]?.detail ?? '', /"meta_code":190/)

      const jar = new Jar()
      const form = await visit(jar, `${svc.url}/dashboard/sign-in`)
      await visit(jar, `${svc.url}/dashboard/sign-in`, {
        form: { _csrf: csrfOf(form.html), password: PASSWORD },
      })
      const page = await visit(jar, `${svc.url}/dashboard?status=needs_reauth`)
      assert.equal(page.response.status, 200)
      assert.match(page.html, /emu_creator/)
      assert.match(page.html, /Needs reconnect/)
      assert.equal(await count('webhook_deliveries', id, 'account.needs_reauth'), 1)
    })

    test('another failure on the read (Meta down) changes nothing', async () => {
      const id = await connect(BUSINESS)
      const published = await api('/feeds', { account_id: id, limit: 2 })
      const feed = (await published.json()) as { id: string }
      await svc.control.setFaults({ rules: [{ match: { endpoint: 'ig.me_media' }, errorRate: 1 }] })
      try {
        const res = await fetch(`${svc.url}/feeds/${feed.id}.json`)
        assert.equal(res.status, 502)
      } finally {
        await svc.control.clearFaults()
      }
      const view = (await (await api(`/accounts/${id}`)).json()) as { status: string }
      assert.equal(view.status, 'active')
      assert.equal(await count('events', id, 'account.needs_reauth'), 0)
    })
  })
}
