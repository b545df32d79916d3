import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { SERVICE_ERROR_CODES } from '../../src/broker/service-error.js'
import {
  ACCOUNT_FIELDS,
  IGTOKEN_ERROR_CODES,
  ForbiddenScopeError,
  IgtokenError,
  NeedsReauthError,
  TOKEN_FIELDS,
  createIgtokenClient,
  verifyWebhook,
} from '../../src/client/index.js'
import { createApiKey } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

test('the SDK’s error codes are the service’s', () => {
  assert.deepEqual([...IGTOKEN_ERROR_CODES].sort(), [...SERVICE_ERROR_CODES].sort())
})

test('verifyWebhook accepts the documented signature (node:crypto) and refuses the rest', async () => {
  const secret = 'a-subscriber-secret-of-some-length'
  const body = '{"type":"account.connected","data":{"id":"acc_1"}}'
  const now = 1_800_000_000_000
  const t = Math.floor(now / 1000)
  const hex = createHmac('sha256', secret)
    .update(`${String(t)}.${body}`)
    .digest('hex')
  const headers = { 'x-igtoken-signature': `t=${String(t)},v1=${hex}` }
  assert.deepEqual(await verifyWebhook(body, headers, secret, now), { ok: true, timestamp: t })
  assert.deepEqual(await verifyWebhook(Buffer.from(body), new Headers(headers), secret, now), {
    ok: true,
    timestamp: t,
  })
  const refused = [
    [body + ' ', headers, secret, now, 'bad_signature'],
    [body, headers, 'another-secret-of-some-length', now, 'bad_signature'],
    [body, headers, secret, now + 301_000, 'stale'],
    [
      body,
      { 'x-igtoken-signature': `t=${String(t)},v1=${hex.slice(2)}` },
      secret,
      now,
      'malformed',
    ],
    [body, {}, secret, now, 'malformed'],
  ] as const
  for (const [raw, h, s, at, reason] of refused) {
    assert.deepEqual(await verifyWebhook(raw, h, s, at), { ok: false, reason })
  }
})

for (const dialect of SERVICE_DIALECTS) {
  describe(`igtoken/client against a real service [${dialect}]`, () => {
    let svc: TestService
    let accountId: string
    let tokenRequests = 0

    before(async () => {
      svc = await startTestService({ IGTOKEN_TOKEN_CACHE_SECONDS: '0' }, { dialect })
      const connected = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
      assert.equal(connected.response.status, 200)
    })
    after(async () => {
      await svc.close()
    })

    async function key(scopes: string[]): Promise<string> {
      return (await createApiKey(svc.service.store, { name: 'sdk', now: Date.now(), scopes })).key
    }

    /** fetch, counting the token reads the SDK makes. */
    const counting: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/token')) tokenRequests++
      return fetch(input, init)
    }

    test('accounts() answers the fields the OpenAPI document names', async () => {
      const client = createIgtokenClient({ url: svc.url, apiKey: await key(['graph:read']) })
      const page = await client.accounts()
      const account = page.data[0]
      assert.ok(account)
      accountId = account.id
      assert.deepEqual(Object.keys(account).sort(), [...ACCOUNT_FIELDS].sort())
      const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as {
        paths: Record<
          string,
          Record<
            string,
            {
              responses: Record<
                string,
                {
                  content: Record<
                    string,
                    { schema: { properties: Record<string, unknown>; required?: string[] } }
                  >
                }
              >
            }
          >
        >
      }
      const listSchema = doc.paths['/api/v1/accounts']?.['get']?.responses['200']?.content[
        'application/json'
      ]?.schema as unknown as {
        properties: { data: { items: { properties: Record<string, unknown> } } }
      }
      assert.deepEqual(
        Object.keys(listSchema.properties.data.items.properties).sort(),
        [...ACCOUNT_FIELDS].sort(),
      )
      const tokenSchema =
        doc.paths['/api/v1/accounts/{id}/token']?.['get']?.responses['200']?.content[
          'application/json'
        ]?.schema
      assert.deepEqual(Object.keys(tokenSchema?.properties ?? {}).sort(), [...TOKEN_FIELDS].sort())
    })

    test('token(): cached, single-flight; a key without tokens:read gets ForbiddenScopeError', async () => {
      let clock = Date.now()
      const client = createIgtokenClient({
        url: svc.url,
        apiKey: await key(['tokens:read']),
        fetch: counting,
        now: () => clock,
      })
      tokenRequests = 0
      const [a, b, c] = await Promise.all([
        client.token(accountId),
        client.token(accountId),
        client.token(accountId),
      ])
      assert.equal(tokenRequests, 1, 'three concurrent callers, one request')
      assert.equal(a.access_token, b.access_token)
      assert.equal(b.access_token, c.access_token)
      await client.token(accountId)
      assert.equal(tokenRequests, 1, 'served from the cache')
      // A 60-day token is still asked for again after 10 minutes.
      clock += 10 * 60_000 + 1
      await client.token(accountId)
      assert.equal(tokenRequests, 2, 'asked again after the cache’s longest life')
      const site = createIgtokenClient({ url: svc.url, apiKey: await key(['graph:read']) })
      await assert.rejects(site.token(accountId), (error: unknown) => {
        assert.ok(error instanceof ForbiddenScopeError)
        assert.equal(error.status, 403)
        assert.equal(error.code, 'forbidden_scope')
        return true
      })
    })

    test('connectLinks.create(): the link and its URL once; stored only as a hash; bad input is a typed 400', async () => {
      const manager = await key(['links:manage'])
      const client = createIgtokenClient({ url: svc.url, apiKey: manager })
      const created = await client.connectLinks.create({
        label: 'client 7',
        metadata: { customer: 'c-7' },
        expires_in_seconds: 3600,
      })
      assert.ok(created.url.startsWith(`${svc.url}/link/`), created.url)
      assert.equal(created.link.state, 'pending')
      // Checked a second way: the service's own list, and the raw row (a hash, never the secret).
      const list = await fetch(`${svc.url}/api/v1/connect-links`, {
        headers: { authorization: `Bearer ${manager}` },
      })
      const listed = (await list.json()) as { data: { id: string; label: string | null }[] }
      assert.equal(listed.data.find((l) => l.id === created.link.id)?.label, 'client 7')
      const secret = created.url.slice(`${svc.url}/link/`.length)
      const row = await svc.service.store.db
        .selectFrom('connect_links')
        .selectAll()
        .where('id', '=', created.link.id)
        .executeTakeFirstOrThrow()
      assert.equal(row.token_hash, createHash('sha256').update(secret).digest('hex'))
      assert.ok(!JSON.stringify(row).includes(secret))

      await assert.rejects(
        client.connectLinks.create({ expires_in_seconds: 1 }),
        (error: unknown) => {
          assert.ok(error instanceof IgtokenError)
          assert.equal(error.status, 400)
          assert.equal(error.code, 'invalid_request')
          return true
        },
      )
      const reader = createIgtokenClient({ url: svc.url, apiKey: await key(['graph:read']) })
      await assert.rejects(reader.connectLinks.create(), ForbiddenScopeError)
    })

    test('graph(): media through the proxy; refused paths are typed errors', async () => {
      const client = createIgtokenClient({ url: svc.url, apiKey: await key(['graph:read']) })
      const media = await client.graph<{ data: { id: string }[] }>(accountId, 'me/media', {
        fields: 'id,caption',
        limit: 2,
      })
      assert.equal(media.data.length, 2)
      await assert.rejects(client.graph(accountId, 'debug_token'), (error: unknown) => {
        assert.ok(error instanceof IgtokenError)
        assert.equal(error.code, 'graph_path_forbidden')
        // The service's own hint reaches the SDK (before, the error body carried none).
        assert.match(error.hint ?? '', /me\/media/)
        return true
      })
    })

    test('a dead token: graph() throws NeedsReauthError with Meta’s error, token() refetches and says so', async () => {
      const client = createIgtokenClient({
        url: svc.url,
        apiKey: await key(['graph:read', 'tokens:read']),
        fetch: counting,
      })
      await client.token(accountId)
      const users = (await svc.control.users()) as { id: string }[]
      for (const user of users) await svc.control.changePassword({ userId: user.id })
      await assert.rejects(client.graph(accountId, 'me', { fields: 'id' }), (error: unknown) => {
        assert.ok(error instanceof NeedsReauthError)
        assert.equal(error.meta?.code, 190)
        assert.equal(error.action, 'reauthorize')
        return true
      })
      tokenRequests = 0
      await assert.rejects(client.token(accountId), NeedsReauthError)
      assert.equal(tokenRequests, 1, 'the cached token was dropped and asked for again')
    })
  })
}
