import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { verifyWebhookDelivery } from '../../src/broker/webhooks/index.js'
import { loadConfig } from '../../src/config.js'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { EmulatorConfig, RunningEmulator } from '../../src/emulator/index.js'
import { startService } from '../../src/server/service.js'
import type { RunningService } from '../../src/server/service.js'
import {
  createApiKey,
  generateKey,
  nextRefreshAtForSeed,
  saveToken,
  upsertAccount,
} from './seed.js'
import type { Keyring } from '../../src/store/index.js'
import { freePort } from '../helpers/ports.js'
import { createPostgresDatabase } from '../helpers/postgres.js'
import type { ServiceDialect } from '../helpers/service.js'

export const BUSINESS_USER = '17841405793187218'
export const DAY = 86_400_000

/** A live-mode service (real app credentials) against an emulator started beside it. */
export interface LiveRig {
  readonly url: string
  readonly emulator: RunningEmulator
  readonly service: RunningService
  readonly keyring: Keyring
  readonly dataDir: string
  readonly env: Record<string, string>
  readonly logs: string[]
  now(): number
  /** Moves the service clock and the emulator clock together. */
  advance(ms: number): Promise<void>
  apiKey(): Promise<string>
  /** Mints `count` long-lived tokens in the emulator and stores them as accounts (sealed). */
  seed(count: number, opts?: { userId?: string; dueNow?: boolean }): Promise<string[]>
  close(): Promise<void>
}

/** Starts the emulator and a service that talks to it through `metaUrl(emulatorUrl)`. */
export async function startLiveRig(
  options: {
    env?: Record<string, string>
    emulatorConfig?: EmulatorConfig
    metaUrl?: (emulatorUrl: string) => Promise<string> | string
    /** `postgres` runs the service on a fresh database of the run's PostgreSQL. */
    dialect?: ServiceDialect
  } = {},
): Promise<LiveRig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'igtoken-refresh-'))
  const database = options.dialect === 'postgres' ? await createPostgresDatabase() : undefined
  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  const emulator = await startEmulator({
    port: 0,
    apps: [
      {
        ...DEMO_APP,
        redirectUris: [`${publicUrl}/callback`],
      },
    ],
    ...(options.emulatorConfig === undefined ? {} : { config: options.emulatorConfig }),
  })
  const keys = generateKey('k1')
  const metaUrl = options.metaUrl === undefined ? emulator.url : await options.metaUrl(emulator.url)
  const env: Record<string, string> = {
    IGTOKEN_PORT: String(port),
    IGTOKEN_DATA_DIR: dataDir,
    IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
    IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
    IGTOKEN_ENCRYPTION_KEYS: keys,
    IGTOKEN_META_EMULATOR_URL: metaUrl,
    IGTOKEN_REFRESH_ENABLED: 'false',
    IGTOKEN_LOG_LEVEL: 'warn',
    // The tests' receivers listen on loopback, which webhooks may reach only when allowed.
    IGTOKEN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    IGTOKEN_TOKEN_CACHE_SECONDS: '0',
    ...(database === undefined ? {} : { IGTOKEN_DATABASE_URL: database.url }),
    ...options.env,
  }
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  let offset = 0
  const now = () => Date.now() + offset
  const service = await startService(loadConfig(env, { envFile: false }), { now, logStream })
  const keyring = service.runtime.keyring
  let seeded = 0
  return {
    url: service.url,
    emulator,
    service,
    keyring,
    dataDir,
    env,
    logs,
    now,
    async advance(ms) {
      offset += ms
      await emulator.control.advanceClock(ms)
    },
    async apiKey() {
      return (await createApiKey(service.store, { name: 'test', now: now() })).key
    },
    async seed(count, opts = {}) {
      const ids: string[] = []
      for (let i = 0; i < count; i++) {
        const minted = await emulator.control.mintToken({
          appId: DEMO_APP.instagramAppId,
          userId: opts.userId ?? BUSINESS_USER,
          kind: 'long',
        })
        const issuedAt = now()
        // The control API answers `expires_at` in unix seconds, as Meta's debug_token does.
        const expiresAt = minted.expires_at * 1000
        const { id } = await upsertAccount(service.store, {
          flavor: 'instagram-login',
          metaUserId: `9${String(++seeded).padStart(15, '0')}`,
          igUserId: opts.userId ?? BUSINESS_USER,
          username: `seeded_${seeded}`,
          scopes: ['instagram_business_basic'],
          now: issuedAt,
        })
        await saveToken(service.store, keyring, {
          accountId: id,
          kind: 'instagram_long_lived',
          accessToken: minted.access_token,
          issuedAt,
          expiresAt,
          nextRefreshAt:
            opts.dueNow === true ? issuedAt : nextRefreshAtForSeed(issuedAt, expiresAt),
          expectedVersion: 'any',
          now: issuedAt,
        })
        ids.push(id)
      }
      return ids
    },
    async close() {
      await service.close()
      await emulator.close()
      await database?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** One delivery a {@link Receiver} got, with the outcome of checking its signature. */
export interface Received {
  readonly body: string
  readonly event: {
    type: string
    account: { id: string; status: string }
    data: Record<string, unknown>
  }
  readonly headers: IncomingMessage['headers']
  readonly verified: boolean
}

/** A webhook receiver on 127.0.0.1 that verifies every delivery like a real one would. */
export interface Receiver {
  readonly url: string
  readonly received: Received[]
  /** Answer with this status from now on (default 204). */
  status: number
  close(): Promise<void>
}

/**
 * Starts a receiver that checks signatures with `secret` against `now` (the service's clock).
 * @param secret - the subscriber secret
 * @param now - the clock to judge the timestamp by
 */
export async function startReceiver(secret: string, now: () => number): Promise<Receiver> {
  const received: Received[] = []
  const state = { status: 204 }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const header = req.headers['x-igtoken-signature']
      const check = verifyWebhookDelivery(
        secret,
        typeof header === 'string' ? header : undefined,
        body,
        {
          now: now(),
        },
      )
      received.push({
        body,
        event: JSON.parse(body) as Received['event'],
        headers: req.headers,
        verified: check.ok,
      })
      res.statusCode = check.ok ? state.status : 401
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    get status() {
      return state.status
    },
    set status(value: number) {
      state.status = value
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
