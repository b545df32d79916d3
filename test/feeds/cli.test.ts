import assert from 'node:assert/strict'
import { after, before, test, describe } from 'node:test'
import { runCli } from '../helpers/cli.js'
import type { DashboardService } from '../dashboard/harness.js'
import { USERS, startDashboardService } from '../dashboard/harness.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

// The same suite on SQLite and on PostgreSQL (a fresh database each).
for (const dialect of SERVICE_DIALECTS) {
  describe(`feeds CLI [${dialect}]`, () => {
    // Runs the built binary (npm run build) against the running service's database.
    let svc: DashboardService
    let env: Record<string, string>
    let accountId: string

    before(async () => {
      svc = await startDashboardService({}, { dialect })
      accountId = await svc.connect(USERS.creator)
      env = { ...svc.cliEnv, IGTOKEN_PUBLIC_URL: svc.url }
    })
    after(async () => {
      await svc.close()
    })

    test('feeds add refuses an unknown account or a bad origin, and publishes nothing', async () => {
      const unknown = await runCli(['feeds', 'add', '--account', 'acc_nope'], env)
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /no account has id acc_nope/)
      const bad = await runCli(
        ['feeds', 'add', '--account', accountId, '--origin', 'https://a.example/path'],
        env,
      )
      assert.equal(bad.code, 2)
      assert.match(bad.stderr, /must be an origin/)
      const list = await runCli(['feeds', 'list', '--json'], env)
      assert.deepEqual(JSON.parse(list.stdout), [])
    })

    test('feeds add publishes a feed the service serves; feeds remove takes it down', async () => {
      const added = await runCli(
        [
          'feeds',
          'add',
          '--account',
          accountId,
          '--limit',
          '2',
          '--origin',
          'https://a.example',
          '--origin',
          'https://b.example/',
          '--json',
        ],
        env,
      )
      assert.equal(added.code, 0, added.stderr)
      const feed = JSON.parse(added.stdout) as {
        id: string
        url: string
        allowed_origins: string[]
      }
      assert.deepEqual(feed.allowed_origins, ['https://a.example', 'https://b.example'])
      const served = await fetch(feed.url, { headers: { origin: 'https://b.example' } })
      assert.equal(served.status, 200)
      assert.equal(served.headers.get('access-control-allow-origin'), 'https://b.example')
      assert.equal(((await served.json()) as { data: unknown[] }).data.length, 2)

      const list = await runCli(['feeds', 'list'], env)
      assert.match(list.stdout, new RegExp(`${feed.id}  @emu_creator  2 items`))
      const removed = await runCli(['feeds', 'remove', feed.id], env)
      assert.equal(removed.code, 0)
      // Another process removed it: the running service stops serving it within a second.
      let status = 0
      for (const until = Date.now() + 2000; Date.now() < until;) {
        status = (await fetch(feed.url)).status
        if (status === 404) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      assert.equal(status, 404, 'the feed is taken down')
      const again = await runCli(['feeds', 'remove', feed.id], env)
      assert.equal(again.code, 1)
      assert.match(again.stdout, /no feed has id/)
    })
  })
}
