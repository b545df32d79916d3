import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { createApiKey } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

interface Media {
  id: string
  [key: string]: unknown
}

/** A request exactly as written: fetch would resolve `..` and re-encode before sending. */
function rawGet(url: string, path: string, key: string): Promise<{ status: number; body: string }> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path,
        headers: { authorization: `Bearer ${key}` },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body })
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`Graph proxy [${dialect}]`, () => {
    let svc: TestService
    let all: string
    let reader: string
    let accountId: string
    let userId: string

    function graph(path: string, key = reader, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${key}`)
      if (init.body !== undefined) headers.set('content-type', 'application/json')
      return fetch(`${svc.url}/api/v1/accounts/${accountId}/graph/${path}`, { ...init, headers })
    }

    async function metaCalls(): Promise<number> {
      return (await svc.control.requests({ host: 'graph.instagram.com' })).length
    }

    before(async () => {
      svc = await startTestService({ IGTOKEN_TOKEN_CACHE_SECONDS: '0' }, { dialect })
      all = await svc.apiKey()
      reader = (
        await createApiKey(svc.service.store, {
          name: 'site',
          now: Date.now(),
          scopes: ['graph:read'],
        })
      ).key
      const connected = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
      assert.equal(connected.response.status, 200)
      const list = (await (
        await fetch(`${svc.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${all}` } })
      ).json()) as { data: { id: string; user_id: string }[] }
      accountId = list.data[0]?.id ?? ''
      userId = list.data[0]?.user_id ?? ''
    })
    after(async () => {
      await svc.close()
    })

    test('a media listing through the proxy equals the emulator’s, without the token', async () => {
      const fields = 'id,caption,media_type,media_url,permalink,timestamp'
      const res = await graph(`me/media?fields=${fields}&limit=3`)
      assert.equal(res.status, 200)
      assert.ok(res.headers.get('x-app-usage'), 'Meta’s usage header is passed on')
      const text = await res.text()
      const proxied = JSON.parse(text) as { data: Media[]; paging?: { next?: string } }
      const token = (
        (await (
          await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, {
            headers: { authorization: `Bearer ${all}` },
          })
        ).json()) as { access_token: string }
      ).access_token
      assert.ok(!text.includes(token), 'the token is not in the answer')
      const direct = (await (
        await fetch(
          `${svc.emulatorUrl}/graph.instagram.com/v25.0/me/media?fields=${fields}&limit=3&access_token=${encodeURIComponent(token)}`,
        )
      ).json()) as { data: Media[] }
      assert.deepEqual(proxied.data, direct.data)
      assert.ok(proxied.data.length > 0)
      // The next page goes through the proxy too.
      const next = proxied.paging?.next ?? ''
      assert.ok(next.startsWith(`${svc.url}/api/v1/accounts/${accountId}/graph/me/media?`), next)
      assert.doesNotMatch(next, /access_token|appsecret/)
      const second = await fetch(next, { headers: { authorization: `Bearer ${reader}` } })
      assert.equal(second.status, 200)
      const page2 = (await second.json()) as { data: Media[] }
      assert.ok(page2.data.length > 0, 'the second page has media')
      assert.notEqual(page2.data[0]?.id, proxied.data[0]?.id)
      // The user id and an owned media id are reachable.
      assert.equal((await graph(`${userId}?fields=id,username`)).status, 200)
      const media = await graph(`${proxied.data[0]?.id ?? ''}?fields=id,caption`)
      assert.equal(media.status, 200)
      assert.equal(((await media.json()) as Media).id, proxied.data[0]?.id)
    })

    test('forbidden paths: 400/403 and nothing reaches Meta', async () => {
      const before = await metaCalls()
      const refused: [string, number][] = [
        ['debug_token?input_token=x', 403],
        ['oauth/access_token', 403],
        ['me/../debug_token', 400],
        ['me/%2e%2e/debug_token', 400],
        ['me%2fmedia', 400],
        ['me//media', 400],
        ['v25.0/me', 400],
        ['me?method=delete', 400],
        ['me?_method=DELETE', 400],
        ['me?access_token=other', 400],
        ['me/media/a/b/c', 400],
        ['', 404],
      ]
      for (const [path, status] of refused) {
        const res = await rawGet(svc.url, `/api/v1/accounts/${accountId}/graph/${path}`, reader)
        assert.equal(res.status, status, `${path}: ${res.body}`)
        assert.doesNotMatch(res.body, /IGQ|IGA|EAA/, path)
      }
      assert.equal(await metaCalls(), before, 'no call reached Meta')
      // Another account's id: refused; at most the account's own listing is read to check.
      const foreign = await graph('17841400000000999?fields=id')
      assert.equal(foreign.status, 403)
      assert.equal(
        ((await foreign.json()) as { error: { code: string } }).error.code,
        'graph_path_forbidden',
      )
      const after = await svc.control.requests({ host: 'graph.instagram.com' })
      assert.ok(
        !after.some((r) => r.path.includes('17841400000000999')),
        'the foreign id was never sent',
      )
    })

    test('writes need graph:write; a reader’s POST and DELETE are refused before Meta', async () => {
      const before = await metaCalls()
      for (const method of ['POST', 'DELETE']) {
        const res = await graph('me/media', reader, {
          method,
          ...(method === 'POST' ? { body: JSON.stringify({ caption: 'x' }) } : {}),
        })
        assert.equal(res.status, 403, method)
        assert.equal(
          ((await res.json()) as { error: { code: string } }).error.code,
          'forbidden_scope',
        )
      }
      assert.equal(await metaCalls(), before)
      const writer = (
        await createApiKey(svc.service.store, {
          name: 'w',
          now: Date.now(),
          scopes: ['graph:write'],
        })
      ).key
      const res = await graph('me/media', writer, {
        method: 'POST',
        body: JSON.stringify({ caption: 'x' }),
      })
      assert.notEqual(res.status, 403)
      assert.equal(await metaCalls(), before + 1, 'the write was forwarded once (never retried)')
    })

    test('near the end of Meta’s budget the proxy answers 429 + Retry-After itself', async () => {
      await svc.control.setLimits({ userCalls: 10, appCalls: 1000, windowMs: 3_600_000 })
      try {
        let held: Response | undefined
        const before = await metaCalls()
        for (let i = 0; i < 12 && held === undefined; i++) {
          const res = await graph('me?fields=id')
          if (res.status === 429) held = res
          else assert.equal(res.status, 200, `call ${i}`)
        }
        assert.ok(held, 'a 429 came before Meta refused')
        const retryAfter = Number(held.headers.get('retry-after'))
        assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`)
        const body = (await held.json()) as { error: { code: string } }
        assert.equal(body.error.code, 'rate_limited')
        const sent = (await metaCalls()) - before
        assert.ok(sent <= 10, `${sent} calls reached Meta, none past its limit`)
        const log = await svc.control.requests({ host: 'graph.instagram.com' })
        assert.deepEqual(
          log.slice(before).filter((r) => r.status !== 200),
          [],
          'Meta never had to throttle',
        )
      } finally {
        await svc.control.setLimits({ userCalls: 100_000, appCalls: 100_000 })
      }
    })

    test('a 190 marks the account needs_reauth with its event and webhook; Meta’s error keeps igtoken’s action and hint', async () => {
      const hook = await fetch(`${svc.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${all}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', secret: 's'.repeat(24) }),
      })
      assert.equal(hook.status, 201)
      // Past the pause the throttling test left behind.
      await svc.advance(10 * 60_000)
      await svc.control.changePassword({ userId })
      const res = await graph('me?fields=id')
      const text = await res.text()
      assert.equal(res.status, 400, text)
      const body = JSON.parse(text) as {
        error: { code: number; igtoken: { code: string; action: string; hint: string | null } }
      }
      assert.equal(body.error.code, 190)
      assert.equal(body.error.igtoken.code, 'needs_reauth')
      assert.equal(body.error.igtoken.action, 'reauthorize')
      assert.ok(body.error.igtoken.hint)
      const db = svc.service.store.db as unknown as Kysely<unknown>
      const status = await sql<{
        status: string
      }>`select status from accounts where id = ${accountId}`.execute(db)
      assert.equal(status.rows[0]?.status, 'needs_reauth')
      const events = await sql<{
        id: string
      }>`select id from events where type = ${'account.needs_reauth'} and account_id = ${accountId}`.execute(
        db,
      )
      assert.equal(events.rows.length, 1)
      const deliveries = await sql<{
        id: string
      }>`select id from webhook_deliveries where event_type = ${'account.needs_reauth'}`.execute(db)
      assert.equal(deliveries.rows.length, 1, 'the webhook is queued with the event')
      // Next call: refused by igtoken without calling Meta.
      const before = await metaCalls()
      assert.equal((await graph('me?fields=id')).status, 409)
      assert.equal(await metaCalls(), before)
    })
  })
}
