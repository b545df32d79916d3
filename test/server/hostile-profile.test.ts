import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const HOSTILE_USERNAMES: Readonly<Record<string, string>> = {
  '100,000 characters': 'a'.repeat(100_000),
  'control characters': 'bell\u0007\u001b[2Jname',
  'a newline': 'two\nlines',
  HTML: '"><script>alert(1)</script>',
  '31 characters': 'b'.repeat(31),
}

// A profile Meta (or whatever answers for it) sends after the code exchange is checked before
// anything is written: a clear refusal, nothing half-stored, never a 500.
for (const dialect of SERVICE_DIALECTS) {
  describe(`a hostile profile is refused after the code exchange [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {}
      for (const table of ['accounts', 'tokens', 'events', 'webhook_deliveries']) {
        const { rows } = await sql<{
          n: number | string
        }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(svc.service.store.db)
        out[table] = Number(rows[0]?.n)
      }
      return out
    }

    test('each hostile username (100,000 characters, control characters, a newline, HTML, 31 characters): 422 profile_invalid, a clear page, nothing stored', async () => {
      for (const [what, username] of Object.entries(HOSTILE_USERNAMES)) {
        const user = await svc.control.addUser({
          kind: 'instagram',
          username,
          accountType: 'BUSINESS',
        })
        const before = await counts()
        const { response } = await connectThroughBrowserless(svc.url, (u) =>
          answerConsent(u, 'allow', { userId: user.id }),
        )
        assert.equal(response.status, 422, what)
        const html = await response.text()
        assert.match(html, /cannot store/, what)
        assert.ok(!html.includes(username.slice(0, 31)), `${what}: the hostile value is not echoed`)
        assert.ok(html.length < 20_000, what)
        assert.deepEqual(await counts(), before, what)
      }
    })

    test('as JSON: the error code, and a valid profile still connects afterwards', async () => {
      const user = await svc.control.addUser({
        kind: 'instagram',
        username: 'x'.repeat(40),
        accountType: 'BUSINESS',
      })
      const start = await fetch(`${svc.url}/connect`, { redirect: 'manual' })
      const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      const callback = await answerConsent(start.headers.get('location') ?? '', 'allow', {
        userId: user.id,
      })
      const res = await fetch(callback.replace(/#.*$/, ''), {
        headers: { cookie, accept: 'application/json' },
      })
      assert.equal(res.status, 422)
      const body = (await res.json()) as { error: { code: string; message: string } }
      assert.equal(body.error.code, 'profile_invalid')
      assert.ok(!body.error.message.includes('xxxxxxxxxx'))

      const good = await svc.control.addUser({
        kind: 'instagram',
        username: 'fine.name_30_characters_long__',
        accountType: 'MEDIA_CREATOR',
      })
      const ok = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId: good.id }),
      )
      assert.equal(ok.response.status, 200)
      const { rows } = await sql<{ username: string }>`SELECT username FROM accounts`.execute(
        svc.service.store.db,
      )
      assert.deepEqual(
        rows.map((r) => r.username),
        ['fine.name_30_characters_long__'],
      )
    })
  })
}
