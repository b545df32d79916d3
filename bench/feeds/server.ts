// One side of the feeds benchmark, in its own process so autocannon's CPU is not counted against
// it: `bare` answers a fixed JSON body of the feed's size; `feed` is the real service answering a
// published feed from its cache (logging at info, as `igtoken serve` runs).
import Fastify from 'fastify'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { toFeedItem } from '../../src/broker/feeds.js'
import { buildApp } from '../../src/server/app.js'
import {
  createFeed,
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
  saveFeedSnapshot,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import { offlineContext } from '../../test/helpers/broker-app.js'

const mode = process.argv[2] ?? 'feed'
const DAY = 86_400_000
const now = Date.now()

// Twelve items shaped like the emulator's media: what a website grid typically shows.
const items = Array.from({ length: 12 }, (_, i) =>
  toFeedItem({
    id: String(17900000000000000 + i),
    caption: `Post number ${String(i)} with a caption of ordinary length #igtoken #demo`,
    mediaType: i % 4 === 0 ? 'CAROUSEL_ALBUM' : 'IMAGE',
    mediaUrl: `https://scontent.cdninstagram.com/v/t51.29350-15/${String(i)}_n.jpg?stp=dst-jpg&_nc_cat=1&oh=00_AbC&oe=6800000${String(i)}`,
    thumbnailUrl: null,
    permalink: `https://www.instagram.com/p/C${String(i).padStart(10, 'x')}/`,
    timestamp: now - i * DAY,
    children: [],
  }),
)
const body = JSON.stringify({ data: items })

function announce(port: number, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ port, bytes: Buffer.byteLength(body), ...extra })}\n`)
}

if (mode === 'bare') {
  const app = Fastify({ logger: false, keepAliveTimeout: 5_000 })
  app.get('/feeds/:id.json', (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(body),
  )
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  announce(typeof address === 'object' && address !== null ? address.port : 0)
} else {
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-bench-feeds-'))
  const store = await openStore(`sqlite:${join(dir, 'bench.db')}`)
  await migrateToLatest(store)
  const keyring = parseKeyring(generateKey('bench'))
  const { id: accountId } = await upsertAccount(store, {
    flavor: 'instagram-login',
    metaUserId: '17841400000000001',
    igUserId: '17841500000000001',
    username: 'bench',
    scopes: ['instagram_business_basic'],
    now,
  })
  await saveToken(store, keyring, {
    accountId,
    kind: 'instagram_long_lived',
    accessToken: `IGAA${'x'.repeat(180)}`,
    issuedAt: now - DAY,
    expiresAt: now + 50 * DAY,
    nextRefreshAt: now + 30 * DAY,
    expectedVersion: 'any',
    now,
  })
  const feed = await createFeed(store, {
    accountId,
    limit: 12,
    allowedOrigins: ['https://www.example.com'],
    now,
  })
  // A fresh copy already stored: the run measures the cache, not Meta.
  await saveFeedSnapshot(store, { id: feed.id, body, etag: '"bench"', now })
  const ctx = offlineContext(store, keyring, Date.now, { refreshOnReadWithinMs: 7 * DAY })
  const discard = new Writable({
    write(_chunk, _encoding, callback) {
      callback()
    },
  })
  const app = await buildApp({
    ctx,
    demo: false,
    logLevel: 'info',
    logStream: discard,
    feeds: { refreshMs: 3_600_000 },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  announce(typeof address === 'object' && address !== null ? address.port : 0, { feedId: feed.id })
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.exit(0)
  })
}
