import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { ChangeHub } from '../../src/broker/effects/index.js'
import { loadConfig } from '../../src/config.js'
import { EmulatorControlClient } from '../../src/emulator/index.js'
import { startService } from '../../src/server/service.js'
import type { RunningService } from '../../src/server/service.js'
import { createApiKey } from '../../src/store/index.js'
import { freePort, retryOnPortClash } from './ports.js'
import { createPostgresDatabase, postgresAdminUrl } from './postgres.js'

/** Which database a test service runs on. */
export type ServiceDialect = 'sqlite' | 'postgres'

/**
 * The databases the service suites loop over: SQLite always, PostgreSQL whenever the test run has
 * a server (always under `npm test`; see test/helpers/postgres.ts).
 */
export const SERVICE_DIALECTS: readonly ServiceDialect[] = Object.freeze(
  postgresAdminUrl() === undefined ? ['sqlite'] : ['sqlite', 'postgres'],
)

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  /** `postgres` runs the service on a fresh database of the run's PostgreSQL. Default `sqlite`. */
  readonly dialect?: ServiceDialect
  /** The service's invalidation hub, to watch what its use cases publish. */
  readonly changes?: ChangeHub
  /**
   * Run on demo mode's own shared clock (the embedded emulator's) instead of a test clock: then
   * `advance` moves it through `POST /_emulator/clock/advance`, as a person would.
   */
  readonly sharedClock?: boolean
}

/** A demo-mode service on free ports with its own data folder, and every log line it wrote. */
export interface TestService {
  readonly url: string
  readonly emulatorUrl: string
  readonly control: EmulatorControlClient
  readonly dataDir: string
  /** The database the service runs on. */
  readonly dialect: ServiceDialect
  /** Its URL, for a second process (the CLI) or a second store on the same data. */
  readonly databaseUrl: string
  readonly service: RunningService
  /** Every log line so far (JSON text). */
  readonly logs: string[]
  /** Creates an API key directly in the store. */
  apiKey(name?: string): Promise<string>
  /** Moves the service's clock and the emulator's together. */
  advance(ms: number): Promise<void>
  /** The service's clock. */
  now(): number
  close(): Promise<void>
}

/**
 * Starts the real service in demo mode (embedded emulator) for a test.
 * @param env - configuration variables on top of the test defaults
 * @param options - see {@link TestServiceOptions}
 */
export async function startTestService(
  env: Record<string, string> = {},
  options: TestServiceOptions = {},
): Promise<TestService> {
  const dialect = options.dialect ?? 'sqlite'
  const database = dialect === 'postgres' ? await createPostgresDatabase() : undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'igtoken-service-'))
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  let offsetMs = 0
  const now = () => Date.now() + offsetMs
  let service: RunningService
  try {
    service = await retryOnPortClash(async () => {
      const config = loadConfig(
        {
          IGTOKEN_PORT: String(await freePort()),
          IGTOKEN_EMULATOR_PORT: String(await freePort()),
          IGTOKEN_DATA_DIR: dataDir,
          IGTOKEN_LOG_LEVEL: 'info',
          // Test receivers listen on loopback, which webhooks may reach only when allowed.
          IGTOKEN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
          // Demo mode on purpose, also on PostgreSQL (where it must be asked for).
          ...(env['IGTOKEN_APP_ID'] === undefined ? { IGTOKEN_DEMO: 'true' } : {}),
          ...(database === undefined ? {} : { IGTOKEN_DATABASE_URL: database.url }),
          ...env,
        },
        { envFile: false },
      )
      return startService(config, {
        logStream,
        ...(options.sharedClock === true ? {} : { now }),
        ...(options.changes === undefined ? {} : { changes: options.changes }),
      })
    })
  } catch (error) {
    await database?.drop()
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  const emulatorUrl = service.emulatorUrl ?? ''
  const control = new EmulatorControlClient(emulatorUrl)
  return {
    url: service.url,
    emulatorUrl,
    control,
    dataDir,
    dialect,
    databaseUrl: database?.url ?? `sqlite:${join(dataDir, 'igtoken.db')}`,
    service,
    logs,
    async apiKey(name = 'test') {
      const created = await createApiKey(service.store, { name, now: Date.now() })
      return created.key
    },
    async advance(ms: number) {
      offsetMs += ms
      await control.advanceClock(ms)
    },
    now: options.sharedClock === true ? () => service.runtime.ctx.now() : now,
    async close() {
      await service.close()
      await database?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Runs /connect → consent → /callback like a browser would, returning the final response. */
export async function connectThroughBrowserless(
  url: string,
  consent: (authorizeUrl: string) => Promise<string>,
): Promise<{ callbackUrl: string; cookie: string; response: Response }> {
  const start = await fetch(`${url}/connect`, { redirect: 'manual' })
  const setCookie = start.headers.get('set-cookie') ?? ''
  const cookie = setCookie.split(';')[0] ?? ''
  const location = start.headers.get('location')
  if (start.status !== 302 || location === null)
    throw new Error(`/connect answered ${start.status}`)
  const callbackUrl = await consent(location)
  const response = await fetch(callbackUrl.replace(/#.*$/, ''), {
    headers: { cookie },
    redirect: 'manual',
  })
  return { callbackUrl, cookie, response }
}
