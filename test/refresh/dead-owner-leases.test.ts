import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const DAY = 86_400_000

/** A pid that just ended on this machine: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  assert.ok(typeof child.pid === 'number' && child.pid > 0)
  return child.pid
}

// After a crash mid-refresh the dead process's lease would make on-demand refreshes wait it out
// (20 s, then `busy`). A process starting on the same machine gives those leases back; another
// machine's owners are never touched (their pids mean nothing here).
for (const dialect of SERVICE_DIALECTS) {
  describe(`leases of this host's dead owners are released at start [${dialect}]`, () => {
    let svc: TestService
    let key: string
    before(async () => {
      svc = await startTestService({ IGTOKEN_TOKEN_CACHE_SECONDS: '0' }, { dialect })
      key = await svc.apiKey()
    })
    after(async () => {
      await svc.close()
    })

    async function connect(userId: string): Promise<string> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(res.response.status, 200)
      const { rows } = await sql<{
        id: string
      }>`SELECT id FROM accounts WHERE meta_user_id = ${userId} OR ig_user_id = ${userId}`.execute(
        svc.service.store.db,
      )
      assert.ok(rows[0])
      return rows[0].id
    }

    async function lease(accountId: string): Promise<{ owner: string | null; version: number }> {
      const { rows } = await sql<{ lease_owner: string | null; version: number | string }>`
        SELECT lease_owner, version FROM tokens WHERE account_id = ${accountId}`.execute(
        svc.service.store.db,
      )
      assert.ok(rows[0])
      return { owner: rows[0].lease_owner, version: Number(rows[0].version) }
    }

    test("a dead local owner is released, another host's stays; the token then refreshes at once", async () => {
      const local = await connect('17841405793187218')
      const remote = await connect('17841405822304914')
      await svc.advance(2 * DAY)
      const host =
        hostname()
          .replace(/[^A-Za-z0-9_.-]/g, '')
          .slice(0, 60) || 'host'
      const deadOwner = `serve:${host}:${deadPid()}:0badc0de`
      const otherOwner = `worker:otherhost-not-${host}:${process.pid}:0badc0de`
      const until = svc.now() + 3_600_000
      await sql`UPDATE tokens SET lease_owner = ${deadOwner}, lease_until = ${until}
        WHERE account_id = ${local}`.execute(svc.service.store.db)
      await sql`UPDATE tokens SET lease_owner = ${otherOwner}, lease_until = ${until}
        WHERE account_id = ${remote}`.execute(svc.service.store.db)
      const before = await lease(local)

      // A second instance starts on this machine, on the same database and data folder.
      const second = await startTestService({
        IGTOKEN_DATA_DIR: svc.dataDir,
        ...(dialect === 'postgres' ? { IGTOKEN_DATABASE_URL: svc.databaseUrl } : {}),
      })
      await second.close()

      assert.equal((await lease(local)).owner, null)
      assert.equal((await lease(remote)).owner, otherOwner)

      const started = Date.now()
      const res = await fetch(`${svc.url}/api/v1/accounts/${local}/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
      })
      const elapsed = Date.now() - started
      assert.equal(res.status, 200, await res.text())
      assert.ok(elapsed < 3000, `refreshed in ${elapsed} ms`)
      assert.equal((await lease(local)).version, before.version + 1)

      // The other host's lease is still honoured: its token is reported busy, not refreshed.
      const held = await fetch(`${svc.url}/api/v1/accounts/${remote}/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(30_000),
      })
      assert.equal(held.status, 503)
      assert.ok(Number(held.headers.get('retry-after')) > 0)
      assert.equal(((await held.json()) as { error: { code: string } }).error.code, 'busy')
    })
  })
}
