// Several `igtoken serve` processes on one PostgreSQL database and one emulator: the rig of the
// multi-instance test (and of bench/scale, which has its own copy tuned for measuring).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEMO_APP } from '../../src/emulator/index.js'
import type { EmulatorControlClient } from '../../src/emulator/index.js'
import { saveToken, upsertAccount } from '../../src/store/index.js'
import type { Keyring, Store } from '../../src/store/index.js'

const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname

/** The emulator's Instagram test user every seeded token belongs to. */
export const SEED_USER = '17841405793187218'
/** One day, ms. */
export const DAY = 86_400_000

/** One running `igtoken serve` process. */
export interface Instance {
  readonly name: string
  readonly url: string
  readonly child: ChildProcess
  /** Its refresh lease owner starts `serve:<host>:<pid>:`. */
  readonly pid: number
  output(): string
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>
}

/**
 * Starts the built `igtoken serve` with `env` on `port` and waits until it answers /healthz.
 * @throws Error with the process output when it exits or does not answer within 30 s
 */
export async function startInstance(
  name: string,
  port: number,
  env: Record<string, string>,
): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), `igtoken-${name}-`))
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      NO_COLOR: '1',
      IGTOKEN_PORT: String(port),
      IGTOKEN_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)))
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)))
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      rmSync(dataDir, { recursive: true, force: true })
      resolve(code)
    }),
  )
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not answer in time:\n${output}`)
    }
    await sleep(100)
  }
  return { name, url, child, pid: child.pid ?? -1, output: () => output, exited }
}

/**
 * Mints `count` long-lived tokens in the emulator (issued two days ago on its clock, so Meta lets
 * them be refreshed) and stores them as accounts due now, all in one transaction so that every
 * instance sees them at the same moment.
 * @returns the token fingerprints' source: the plaintext tokens, by account id
 */
export async function seedDueAccounts(
  store: Store,
  keyring: Keyring,
  control: EmulatorControlClient,
  count: number,
  prefix: string,
): Promise<Map<string, string>> {
  const now = Date.now()
  await control.setClock(now - 2 * DAY)
  const minted: { access_token: string; expires_at: number }[] = []
  try {
    for (let i = 0; i < count; i += 50) {
      minted.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, count - i) }, () =>
            control.mintToken({ appId: DEMO_APP.instagramAppId, userId: SEED_USER, kind: 'long' }),
          ),
        )),
      )
    }
  } finally {
    await control.setClock(Date.now())
  }
  const tokens = new Map<string, string>()
  await store.db.transaction().execute(async (trx) => {
    const tx = { db: trx, dialect: store.dialect }
    for (const [i, token] of minted.entries()) {
      const { id } = await upsertAccount(tx, {
        flavor: 'instagram-login',
        metaUserId: `${prefix}${String(i).padStart(15 - prefix.length, '0')}`,
        igUserId: SEED_USER,
        username: `scale_${prefix}_${i}`,
        scopes: ['instagram_business_basic'],
        now,
      })
      await saveToken(tx, keyring, {
        accountId: id,
        kind: 'instagram_long_lived',
        accessToken: token.access_token,
        issuedAt: now - 2 * DAY,
        expiresAt: token.expires_at * 1000,
        nextRefreshAt: now,
        expectedVersion: 'any',
        now,
      })
      tokens.set(id, token.access_token)
    }
  })
  return tokens
}

/**
 * Polls `check` every 100 ms until it holds.
 * @throws Error naming `what` after `ms`
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(100)
  }
}
