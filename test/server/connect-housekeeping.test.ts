import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { answerConsent } from '../helpers/consent.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// Unauthenticated /connect writes a row each time: the housekeeping `serve` and `worker` run must
// take expired and used-up attempts away, and leave a live attempt able to complete.
for (const dialect of SERVICE_DIALECTS) {
  describe(`connect attempts housekeeping [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    async function insertAttempt(id: string, createdAt: number, ttlMs: number, used: boolean) {
      const hash = randomBytes(32).toString('hex')
      await sql`INSERT INTO connect_attempts
        (id, state_hash, browser_hash, flavor, return_to, scopes, label, created_at, expires_at, used_at, outcome)
        VALUES (${id}, ${hash}, ${hash}, ${'instagram_login'}, ${null}, ${''}, ${null},
          ${createdAt}, ${createdAt + ttlMs}, ${used ? createdAt + 1000 : null}, ${null})`.execute(
        svc.service.store.db,
      )
    }

    async function ids(): Promise<string[]> {
      const { rows } = await sql<{
        id: string
      }>`SELECT id FROM connect_attempts ORDER BY id`.execute(svc.service.store.db)
      return rows.map((r) => r.id)
    }

    test('a starting process sweeps at once, without being asked', async () => {
      const now = svc.now()
      await insertAttempt('con_expired_before_start', now - 3_600_000, 600_000, false)
      assert.deepEqual(await ids(), ['con_expired_before_start'])
      // A second instance on the same database: its start round purges the row.
      const second = await startTestService({ IGTOKEN_DATABASE_URL: svc.databaseUrl })
      try {
        const deadline = Date.now() + 5000
        while ((await ids()).length > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        assert.deepEqual(await ids(), [])
      } finally {
        await second.close()
      }
    })

    test('expired and used-up attempts are purged; a live attempt survives and completes /callback', async () => {
      const now = svc.now()
      const minute = 60_000
      // Live now (no round can take them yet); over once the clock moves an hour.
      await insertAttempt('con_old_unused', now - 5 * minute, 10 * minute, false)
      await insertAttempt('con_old_used', now - 2 * minute, 10 * minute, true)
      await insertAttempt('con_old_labelled', now, 10 * minute, false)
      assert.equal((await ids()).length, 3)
      await svc.advance(60 * minute)
      const start = await fetch(`${svc.url}/connect`, { redirect: 'manual' })
      assert.equal(start.status, 302)
      const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      assert.equal((await ids()).length, 4)

      await svc.service.refresh.housekeeping.runOnce()
      const left = await ids()
      assert.equal(left.length, 1)
      assert.ok(!left.some((id) => id.startsWith('con_old')))

      const callback = await answerConsent(start.headers.get('location') ?? '', 'allow')
      const done = await fetch(callback.replace(/#.*$/, ''), {
        headers: { cookie },
        redirect: 'manual',
      })
      assert.ok(done.status < 400, `callback answered ${done.status}`)
      const { rows } = await sql<{
        n: number | string
      }>`SELECT COUNT(*) AS n FROM accounts`.execute(svc.service.store.db)
      assert.equal(Number(rows[0]?.n), 1)
    })
  })
}
