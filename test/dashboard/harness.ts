import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { loadConfig } from '../../src/config.js'
import { sql } from 'kysely'
import { EmulatorControlClient, HOSTILE_TEST_USER } from '../../src/emulator/index.js'
import { startService } from '../../src/server/service.js'
import type { RunningService } from '../../src/server/service.js'
import { createApiKey, listAccounts } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import { freePort, retryOnPortClash } from '../helpers/ports.js'
import { createPostgresDatabase } from '../helpers/postgres.js'
import { connectThroughBrowserless } from '../helpers/service.js'
import type { ServiceDialect } from '../helpers/service.js'

/** The operators' password every dashboard test service is started with. */
export const PASSWORD = 'correct horse battery staple'

/** Where screenshots go (ignored by git). */
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname

/** A demo-mode service with a dashboard password and the hostile emulator user seeded. */
export interface DashboardService {
  readonly url: string
  readonly service: RunningService
  readonly control: EmulatorControlClient
  readonly logs: string[]
  /** The service's data folder (its SQLite database), for CLI tests. */
  readonly dataDir: string
  /** The database the service runs on. */
  readonly dialect: ServiceDialect
  /** Variables a CLI process needs to reach the same data (folder, database, demo key). */
  readonly cliEnv: Record<string, string>
  /** Connects an emulator user; returns the new account id. */
  connect(userId: string): Promise<string>
  /**
   * An account whose stored username is HOSTILE_TEST_USER's HTML/script probe. A sign-in refuses
   * such a profile (`profile_invalid`), so the row is connected with a valid name and then given
   * the probe with raw SQL: the pages must escape whatever a row holds (an older version's rows).
   */
  connectHostile(): Promise<string>
  apiKey(): Promise<string>
  /** Moves the service clock and the emulator clock together. */
  advance(ms: number): Promise<void>
  close(): Promise<void>
}

/** The ids of the emulator users the tests connect. */
export const USERS = {
  business: '17841405793187218',
  creator: '17841405822304914',
  /** HOSTILE_TEST_USER: its username and name are HTML/script probes. */
  hostile: '17841400000000666',
} as const

/** Starts the service for a dashboard or feed test. */
export async function startDashboardService(
  env: Record<string, string> = {},
  options: { readonly dialect?: ServiceDialect } = {},
): Promise<DashboardService> {
  const dialect = options.dialect ?? 'sqlite'
  const database = dialect === 'postgres' ? await createPostgresDatabase() : undefined
  // Demo mode on PostgreSQL must be asked for (config refuses it by accident).
  const databaseEnv: Record<string, string> =
    database === undefined ? {} : { IGTOKEN_DATABASE_URL: database.url, IGTOKEN_DEMO: 'true' }
  const dataDir = mkdtempSync(join(tmpdir(), 'igtoken-dashboard-'))
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  let offset = 0
  const now = () => Date.now() + offset
  const service = await retryOnPortClash(async () => {
    const config = loadConfig(
      {
        IGTOKEN_PORT: String(await freePort()),
        IGTOKEN_EMULATOR_PORT: String(await freePort()),
        IGTOKEN_DATA_DIR: dataDir,
        IGTOKEN_ADMIN_PASSWORD: PASSWORD,
        IGTOKEN_REFRESH_ENABLED: 'false',
        IGTOKEN_LOG_LEVEL: 'info',
        IGTOKEN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
        ...databaseEnv,
        ...env,
      },
      { envFile: false },
    )
    return startService(config, { logStream, now, seedHostileUser: true })
  })
  const control = new EmulatorControlClient(service.emulatorUrl ?? '')
  const probe = HOSTILE_TEST_USER.kind === 'instagram' ? HOSTILE_TEST_USER.username : ''
  const self: DashboardService = {
    url: service.url,
    service,
    control,
    logs,
    dataDir,
    dialect,
    cliEnv: { IGTOKEN_DATA_DIR: dataDir, ...databaseEnv },
    async connect(userId) {
      const { response } = await connectThroughBrowserless(service.url, (authorizeUrl) =>
        answerConsent(authorizeUrl, 'allow', { userId }),
      )
      if (response.status !== 200) throw new Error(`connect answered ${String(response.status)}`)
      const accounts = await listAccounts(service.store, { limit: 500 })
      const account = accounts.items.find((a) => a.ig_user_id === userId)
      if (account === undefined) throw new Error(`no account for ${userId}`)
      return account.id
    },
    async connectHostile() {
      const user = await control.addUser({
        kind: 'instagram',
        username: 'probe_for_escaping',
        accountType: 'BUSINESS',
      })
      const id = await self.connect(user.id)
      await sql`UPDATE accounts SET username = ${probe} WHERE id = ${id}`.execute(service.store.db)
      return id
    },
    async apiKey() {
      return (await createApiKey(service.store, { name: 'test', now: now() })).key
    },
    async advance(ms) {
      offset += ms
      await control.advanceClock(ms)
    },
    async close() {
      await service.close()
      await database?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return self
}

/** A cookie jar for fetch: keeps `name=value` pairs from Set-Cookie headers. */
export class Jar {
  readonly #cookies = new Map<string, string>()

  /** Stores the response's cookies (an empty value or Max-Age=0 deletes). */
  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (value === '' || /max-age=0/i.test(header)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  /** The Cookie header to send. */
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  has(name: string): boolean {
    return this.#cookies.has(name)
  }
}

/** Fetches with the jar's cookies, without following redirects, and keeps new cookies. */
export async function visit(
  jar: Jar,
  url: string,
  init: { method?: string; form?: Record<string, string> } = {},
): Promise<{ response: Response; html: string }> {
  const response = await fetch(url, {
    method: init.method ?? (init.form === undefined ? 'GET' : 'POST'),
    redirect: 'manual',
    headers: {
      cookie: jar.header(),
      ...(init.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form).toString() }),
  })
  jar.take(response)
  return { response, html: await response.text() }
}

/** The first CSRF token on a page. */
export function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (token === undefined) throw new Error('no CSRF token on the page')
  return token
}

/** Signs in with the password; returns the jar holding the session. */
export async function signIn(url: string): Promise<Jar> {
  const jar = new Jar()
  const form = await visit(jar, `${url}/dashboard/sign-in`)
  const done = await visit(jar, `${url}/dashboard/sign-in`, {
    form: { _csrf: csrfOf(form.html), password: PASSWORD },
  })
  if (done.response.status !== 303)
    throw new Error(`sign-in answered ${String(done.response.status)}`)
  return jar
}
