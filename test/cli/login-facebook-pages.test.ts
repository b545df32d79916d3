import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { answerConsent } from '../helpers/consent.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { authorizationUrlOf, startCli } from './cli-process.js'

interface JsonAccount {
  user_id: string
  username: string
  page_id: string
  account_id: string
  account_created: boolean
}

// `igtoken login --save` with Facebook Login saves every Instagram account of the granted Pages,
// through the same writer as /callback, and prints each one's id and username.
for (const dialect of SERVICE_DIALECTS) {
  describe(`igtoken login --save: every Instagram account of a Facebook login [${dialect}]`, () => {
    let svc: TestService
    let fbUserId: string
    const pageOf = new Map<string, string>()

    before(async () => {
      svc = await startTestService({ IGTOKEN_FLAVOR: 'facebook-login' }, { dialect })
      const ig = async (username: string): Promise<string> =>
        (await svc.control.addUser({ kind: 'instagram', username, accountType: 'BUSINESS' })).id
      const one = await ig('cli_one')
      const two = await ig('cli_two')
      const user = await svc.control.addUser({
        kind: 'facebook',
        name: 'CLI Person',
        pages: [
          { name: 'A', instagramUserId: one },
          { name: 'B' },
          { name: 'C', instagramUserId: two },
        ],
      })
      fbUserId = user.id
      for (const p of user['pages'] as { id: string; instagramUserId?: string }[]) {
        if (p.instagramUserId !== undefined) pageOf.set(p.instagramUserId, p.id)
      }
    })
    after(async () => {
      await svc.close()
    })

    async function login(json: boolean): Promise<{ stdout: string; stderr: string }> {
      const cli = startCli(
        [
          'login',
          '--flavor',
          'facebook-login',
          '--app-id',
          DEMO_APP.metaAppId,
          '--redirect-uri',
          `${svc.url}/callback`,
          '--paste',
          '--save',
          ...(json ? ['--json'] : []),
        ],
        {
          IGTOKEN_META_EMULATOR_URL: svc.emulatorUrl,
          IGTOKEN_APP_SECRET: DEMO_APP.metaAppSecret,
          IGTOKEN_DATA_DIR: svc.dataDir,
          IGTOKEN_CONFIG_DIR: join(svc.dataDir, 'config'),
          IGTOKEN_DATABASE_URL: svc.databaseUrl,
          IGTOKEN_DEMO: 'true',
        },
      )
      const location = await answerConsent(await authorizationUrlOf(cli), 'allow', {
        userId: fbUserId,
      })
      cli.write(`${location}\n`)
      cli.endInput()
      const r = await cli.exited
      assert.equal(r.code, 0, r.stderr)
      return r
    }

    test('--json: an array of both accounts, saved with their own Page tokens', async () => {
      const { stdout } = await login(true)
      const out = JSON.parse(stdout) as Record<string, unknown> & { accounts: JsonAccount[] }
      assert.equal(out['access_token'], undefined, 'a saved token is not printed')
      assert.deepEqual(out.accounts.map((a) => a.username).sort(), ['cli_one', 'cli_two'])
      for (const a of out.accounts) {
        assert.equal(a.page_id, pageOf.get(a.user_id))
        assert.equal(a.account_created, true)
      }
      assert.equal(out['account_id'], out.accounts[0]?.account_id, 'top level: the first account')
      const rows = await svc.service.store.db
        .selectFrom('accounts')
        .innerJoin('tokens', 'tokens.account_id', 'accounts.id')
        .select(['accounts.id', 'accounts.ig_user_id', 'tokens.kind'])
        .where('tokens.kind', '=', 'facebook_page')
        .execute()
      assert.deepEqual(rows.map((r) => r.id).sort(), out.accounts.map((a) => a.account_id).sort())
    })

    test('text: each account id and username; a Page no longer granted is named', async () => {
      await svc.control.setGrantedPages({
        userId: fbUserId,
        appId: DEMO_APP.metaAppId,
        pageIds: [...pageOf.values()].slice(0, 1),
      })
      const { stderr } = await login(false)
      const rows = await svc.service.store.db
        .selectFrom('accounts')
        .select(['id', 'username', 'status', 'status_reason'])
        .execute()
      const kept = rows.find((r) => r.status === 'active')
      const marked = rows.find((r) => r.status === 'needs_reauth')
      assert.ok(kept && marked)
      assert.equal(marked.status_reason, 'page_not_granted')
      assert.match(stderr, new RegExp(`account ${kept.id}`))
      assert.match(
        stderr,
        new RegExp(`No longer granted: account ${marked.id} \\(@${marked.username}\\)`),
      )
    })
  })
}
