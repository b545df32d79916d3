import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  IGB_KEY_MISSING,
  checkKeysOpenEverything,
  newId,
  openToken,
  openWebhookSecret,
  parseKeyring,
  reencryptAll,
  resealToken,
  saveToken,
  sealWebhookSecret,
} from '../../src/store/index.js'
import type { Keyring, ReencryptProgress, StoreContext } from '../../src/store/index.js'
import { T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import { KEYS, keyringK1, keyringK2K1, makeAccount } from './fixtures.js'

interface Seeded {
  tokens: Map<string, string>
  secrets: Map<string, string>
}

async function seedSealed(store: StoreContext, ring: Keyring, count: number): Promise<Seeded> {
  const tokens = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    const value = fakeToken()
    const saved = await saveToken(store, ring, {
      accountId: await makeAccount(store, T0),
      kind: 'instagram_long_lived',
      accessToken: value,
      issuedAt: T0,
      expiresAt: null,
      nextRefreshAt: null,
      expectedVersion: null,
      now: T0,
    })
    assert.ok(saved.saved)
    tokens.set(saved.token.id, value)
  }
  const secrets = new Map<string, string>()
  for (let i = 0; i < 3; i++) {
    const id = newId('whs')
    const secret = fakeToken()
    const sealed = sealWebhookSecret(ring, id, secret)
    await store.db
      .insertInto('webhook_subscribers')
      .values({
        id,
        url: `https://example.test/hook/${i}`,
        secret_ciphertext: sealed.ciphertext,
        secret_key_id: sealed.keyId,
        events: '*',
        created_at: T0,
        disabled_at: null,
      })
      .execute()
    secrets.set(id, secret)
  }
  return { tokens, secrets }
}

async function assertAllReadable(store: StoreContext, ring: Keyring, seeded: Seeded) {
  const tokens = await store.db.selectFrom('tokens').selectAll().execute()
  assert.equal(tokens.length, seeded.tokens.size)
  for (const row of tokens) {
    assert.equal(openToken(ring, row).plaintext, seeded.tokens.get(row.id))
    assert.equal(row.version, 1, 'rotation never bumps the token version')
  }
  const subs = await store.db.selectFrom('webhook_subscribers').selectAll().execute()
  for (const row of subs) {
    assert.equal(openWebhookSecret(ring, row).plaintext, seeded.secrets.get(row.id))
  }
}

async function keyIdsInUse(store: StoreContext): Promise<string[]> {
  const a = await store.db.selectFrom('tokens').select('key_id').execute()
  const b = await store.db.selectFrom('webhook_subscribers').select('secret_key_id').execute()
  return [...new Set([...a.map((r) => r.key_id), ...b.map((r) => r.secret_key_id)])].sort()
}

for (const dialect of TEST_DIALECTS) {
  describe(`key rotation [${dialect.name}]`, () => {
    test('checkKeysOpenEverything names missing and wrong keys, never key material', async () => {
      const t = await dialect.setup()
      try {
        assert.deepEqual(await checkKeysOpenEverything(t.store, keyringK1()), {
          ok: true,
          missingKeyIds: [],
          undecryptableKeyIds: [],
          rowsByKeyId: {},
        })
        await seedSealed(t.store, keyringK1(), 4)
        const onlyK2 = parseKeyring(KEYS.k2)
        const missing = await checkKeysOpenEverything(t.store, onlyK2)
        assert.deepEqual(missing, {
          ok: false,
          missingKeyIds: ['k1'],
          undecryptableKeyIds: [],
          rowsByKeyId: { k1: 7 },
        })
        assert.ok(!JSON.stringify(missing).includes(KEYS.k1.slice(3)))
        const impostor = parseKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`)
        assert.deepEqual((await checkKeysOpenEverything(t.store, impostor)).undecryptableKeyIds, [
          'k1',
        ])
        assert.equal((await checkKeysOpenEverything(t.store, keyringK2K1())).ok, true)
      } finally {
        await t.cleanup()
      }
    })

    test('bad batch size is refused', async () => {
      const t = await dialect.setup()
      try {
        await assert.rejects(reencryptAll(t.store, keyringK2K1(), { batchSize: 0 }), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
      } finally {
        await t.cleanup()
      }
    })

    test('an abort mid-way leaves every row readable; a second run finishes the job', async () => {
      const t = await dialect.setup()
      try {
        const seeded = await seedSealed(t.store, keyringK1(), 25)
        const ring = keyringK2K1()
        const controller = new AbortController()
        const progress: ReencryptProgress[] = []
        const partial = await reencryptAll(t.store, ring, {
          batchSize: 10,
          signal: controller.signal,
          onProgress: (p) => {
            progress.push(p)
            controller.abort()
          },
        })
        assert.deepEqual(partial, { resealed: 10, changed: 0, failures: [], aborted: true })
        assert.deepEqual(progress, [{ table: 'tokens', resealed: 10, failed: 0 }])
        assert.deepEqual(await keyIdsInUse(t.store), ['k1', 'k2'])
        await assertAllReadable(t.store, ring, seeded)

        const rest = await reencryptAll(t.store, ring, { batchSize: 10 })
        assert.deepEqual(rest, { resealed: 18, changed: 0, failures: [], aborted: false })
        assert.deepEqual(await keyIdsInUse(t.store), ['k2'])
        // k1 can now be dropped from the ring.
        await assertAllReadable(t.store, parseKeyring(KEYS.k2), seeded)
        assert.equal((await checkKeysOpenEverything(t.store, parseKeyring(KEYS.k2))).ok, true)
        assert.deepEqual(await reencryptAll(t.store, ring), {
          resealed: 0,
          changed: 0,
          failures: [],
          aborted: false,
        })
      } finally {
        await t.cleanup()
      }
    })

    test('a row under a missing key is reported and left as is; the rest move on', async () => {
      const t = await dialect.setup()
      try {
        const lost = parseKeyring(`k0:${Buffer.alloc(32, 5).toString('base64')}`)
        const orphan = await seedSealed(t.store, lost, 1)
        const seeded = await seedSealed(t.store, keyringK1(), 3)
        const ring = keyringK2K1()
        const result = await reencryptAll(t.store, ring, { batchSize: 2 })
        assert.equal(result.resealed, 6)
        assert.equal(result.aborted, false)
        assert.equal(result.failures.length, 4)
        for (const f of result.failures) {
          assert.equal(f.keyId, 'k0')
          assert.equal(f.code, IGB_KEY_MISSING)
        }
        const [orphanId] = [...orphan.tokens.keys()]
        const row = await t.store.db
          .selectFrom('tokens')
          .selectAll()
          .where('id', '=', orphanId!)
          .executeTakeFirstOrThrow()
        assert.equal(row.key_id, 'k0')
        assert.equal(openToken(lost, row).plaintext, orphan.tokens.get(orphanId!))
        const tokens = await t.store.db
          .selectFrom('tokens')
          .selectAll()
          .where('key_id', '=', 'k2')
          .execute()
        assert.equal(tokens.length, 3)
        for (const r of tokens) assert.equal(openToken(ring, r).plaintext, seeded.tokens.get(r.id))
      } finally {
        await t.cleanup()
      }
    })

    test('resealing never overwrites a token written meanwhile', async () => {
      const t = await dialect.setup()
      try {
        const seeded = await seedSealed(t.store, keyringK1(), 1)
        const [id] = [...seeded.tokens.keys()]
        const stale = await t.store.db
          .selectFrom('tokens')
          .selectAll()
          .where('id', '=', id!)
          .executeTakeFirstOrThrow()
        const newer = fakeToken()
        const saved = await saveToken(t.store, keyringK1(), {
          accountId: stale.account_id,
          kind: stale.kind,
          accessToken: newer,
          issuedAt: T0 + 1,
          expiresAt: null,
          nextRefreshAt: null,
          expectedVersion: 1,
          now: T0 + 1,
        })
        assert.ok(saved.saved)
        const ring = keyringK2K1()
        assert.equal(await resealToken(t.store, ring, stale), 'changed')
        const row = await t.store.db
          .selectFrom('tokens')
          .selectAll()
          .where('id', '=', id!)
          .executeTakeFirstOrThrow()
        assert.equal(openToken(ring, row).plaintext, newer)
        assert.equal(await resealToken(t.store, ring, row), 'resealed')
        assert.equal(
          await resealToken(
            t.store,
            ring,
            await t.store.db
              .selectFrom('tokens')
              .selectAll()
              .where('id', '=', id!)
              .executeTakeFirstOrThrow(),
          ),
          'current',
        )
      } finally {
        await t.cleanup()
      }
    })
  })
}
