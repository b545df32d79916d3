import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Config } from '../config.js'
import { BrokerError, MetaApiError, getFlavor } from '../meta/index.js'
import type { MetaClient } from '../meta/index.js'
import { checkKeysOpenEverything, migrationStatus, parseStoreUrl } from '../store/index.js'
import type { Keyring, StoreContext } from '../store/index.js'

/**
 * The outcome of one check: only `fail` fails the doctor. `note` is something expected that the
 * reader should know (e.g. a database `serve` will create on its first start).
 */
export type CheckStatus = 'pass' | 'note' | 'warn' | 'fail' | 'skip'

/** One line of `igtoken doctor`. */
export interface CheckResult {
  /** Stable id for scripts, e.g. `redirect_uri_matches`. */
  readonly id: string
  readonly title: string
  readonly status: CheckStatus
  /** What was found (never a secret). */
  readonly detail: string
  /** What to do, for `warn` and `fail`. */
  readonly fix: string | null
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

function result(
  id: string,
  title: string,
  status: CheckStatus,
  detail: string,
  fix: string | null = null,
): CheckResult {
  return { id, title, status, detail, fix }
}

/**
 * Checks the public URL and the redirect URI: the service takes Meta's redirect at the redirect
 * URI's path, so both must share one origin, and Meta wants HTTPS for real apps. Pure.
 */
export function checkUrls(
  config: Pick<Config, 'publicUrl' | 'redirectUri' | 'demo'>,
): CheckResult[] {
  const out: CheckResult[] = []
  const publicUrl = new URL(config.publicUrl)
  const redirect = new URL(config.redirectUri)
  if (redirect.origin === publicUrl.origin) {
    out.push(
      result(
        'redirect_uri_matches',
        'redirect URI and public URL agree',
        'pass',
        `${config.redirectUri} is served at ${config.publicUrl}`,
      ),
    )
  } else {
    out.push(
      result(
        'redirect_uri_matches',
        'redirect URI and public URL agree',
        'fail',
        `IGTOKEN_REDIRECT_URI ${config.redirectUri} is not on IGTOKEN_PUBLIC_URL ${config.publicUrl}: Meta would send people where the service is not`,
        `set IGTOKEN_REDIRECT_URI=${config.publicUrl}/callback (and register exactly that in the App Dashboard), or correct IGTOKEN_PUBLIC_URL`,
      ),
    )
  }
  // Only demo mode is exempt. An emulator URL is no reason to wave plain http through: the check
  // is about browsers sending codes across the network, whoever answers for Meta (and every
  // doctor test set one, so the failure went unseen).
  const testing = config.demo
  for (const [id, name, url] of [
    ['https_public_url', 'IGTOKEN_PUBLIC_URL', publicUrl],
    ['https_redirect_uri', 'IGTOKEN_REDIRECT_URI', redirect],
  ] as const) {
    const title = `${name} uses HTTPS`
    if (url.protocol === 'https:') {
      out.push(result(id, title, 'pass', url.origin))
    } else if (testing || LOOPBACK.has(url.hostname)) {
      out.push(
        result(
          id,
          title,
          'warn',
          `${url.origin} is plain http: fine for the demo or on this machine, refused by Meta for real apps`,
          `put the service behind HTTPS and set ${name} to its https:// address before going live`,
        ),
      )
    } else {
      out.push(
        result(
          id,
          title,
          'fail',
          `${url.origin} is plain http on a public host: Meta refuses http redirect URIs and browsers would send codes unencrypted`,
          `serve it over HTTPS (a reverse proxy with a certificate) and set ${name}=https://…`,
        ),
      )
    }
  }
  return out
}

/** Says which app id the configuration uses as what, and catches the classic mix-ups. Pure. */
export function checkAppIdRoles(
  config: Pick<Config, 'demo' | 'flavor' | 'appId' | 'appSecret' | 'metaAppSecret'>,
): CheckResult {
  const title = 'which app id is which'
  if (config.demo) {
    return result(
      'app_ids',
      title,
      'warn',
      'demo mode: IGTOKEN_APP_ID is not set, so the service plays Meta with its emulator and the demo app',
      'to go live set IGTOKEN_APP_ID, IGTOKEN_APP_SECRET and IGTOKEN_ENCRYPTION_KEYS',
    )
  }
  const flavor = getFlavor(config.flavor)
  if (flavor.appCredentials === 'meta-app') {
    return result(
      'app_ids',
      title,
      'pass',
      `IGTOKEN_APP_ID ${config.appId ?? ''} is used as the Meta app id (${flavor.title}), with its app secret`,
    )
  }
  if (config.metaAppSecret !== undefined && config.metaAppSecret === config.appSecret) {
    return result(
      'app_ids',
      title,
      'fail',
      'IGTOKEN_APP_SECRET and IGTOKEN_META_APP_SECRET are the same value, but Instagram Login has its own secret',
      `set IGTOKEN_APP_SECRET to the Instagram app secret (${flavor.appCredentialsPath}) and IGTOKEN_META_APP_SECRET to the Meta app secret (App settings > Basic)`,
    )
  }
  return result(
    'app_ids',
    title,
    'pass',
    `IGTOKEN_APP_ID ${config.appId ?? ''} is used as the Instagram app id, IGTOKEN_APP_SECRET as the Instagram app secret${config.metaAppSecret === undefined ? '' : ', IGTOKEN_META_APP_SECRET as the Meta app secret'}`,
  )
}

/**
 * Asks Meta (or the emulator) to exchange a made-up code. The refusal tells whether Meta answers
 * at all, whether it knows the app id and secret as a pair ("code not found" means yes), and its
 * `Date` header shows whether this machine's clock is right. Nothing is created at Meta.
 *
 * The order in which Meta validates client id, secret and code is observed, not documented: a
 * refusal we cannot classify is reported as a warning, not a failure.
 */
export async function checkMeta(meta: MetaClient, now: () => number): Promise<CheckResult[]> {
  const answers = 'Meta answers'
  const pair = 'app id and secret are accepted by Meta'
  const clock = 'the clock is right'
  let error: unknown
  try {
    await meta.exchangeCode('igtoken-doctor-probe')
    error = undefined
  } catch (caught) {
    error = caught
  }
  if (!(error instanceof MetaApiError)) {
    const reason =
      error instanceof BrokerError
        ? error.message
        : 'Meta accepted a made-up code, which it never does'
    return [
      result(
        'meta_answers',
        answers,
        'fail',
        `no usable answer from ${meta.flavor.endpoints.codeExchange.host}: ${reason}`,
        'check the network, a proxy or firewall, and IGTOKEN_META_EMULATOR_URL when testing',
      ),
      result('app_pair', pair, 'skip', 'Meta did not answer'),
      result('clock', clock, 'skip', 'Meta did not answer'),
    ]
  }
  const out = [
    result('meta_answers', answers, 'pass', `${meta.flavor.endpoints.codeExchange.host} answered`),
  ]
  const text = error.message
  if (/invalid platform app|invalid application id|invalid app id/i.test(text)) {
    out.push(
      result(
        'app_pair',
        pair,
        'fail',
        `Meta does not know IGTOKEN_APP_ID as ${meta.flavor.appCredentials === 'meta-app' ? 'an app' : 'an Instagram app id'} ("${text}")`,
        error.hint ?? 'use the app id shown for this login flavor in the App Dashboard',
      ),
    )
  } else if (/client[_ ]secret/i.test(text)) {
    out.push(
      result(
        'app_pair',
        pair,
        'fail',
        `Meta knows the app id but refused the secret ("${text}")`,
        meta.flavor.appCredentials === 'meta-app'
          ? `set IGTOKEN_APP_SECRET to this app's secret (${meta.flavor.appCredentialsPath})`
          : 'set IGTOKEN_APP_SECRET to the Instagram app secret shown beside the Instagram app id, not the Meta app secret',
      ),
    )
  } else if (/code/i.test(text)) {
    out.push(
      result(
        'app_pair',
        pair,
        'pass',
        'Meta accepted the app id and secret and refused only the made-up code',
      ),
    )
  } else {
    out.push(
      result(
        'app_pair',
        pair,
        'warn',
        `Meta answered "${text}", which does not tell`,
        'try npx igtoken login with the same app id and secret',
      ),
    )
  }
  const date = error.response.headers.get('date')
  const metaTime = date === null ? Number.NaN : Date.parse(date)
  if (Number.isNaN(metaTime)) {
    out.push(result('clock', clock, 'skip', 'Meta sent no Date header'))
  } else {
    const skew = Math.round((now() - metaTime) / 1000)
    out.push(
      Math.abs(skew) <= 60
        ? result('clock', clock, 'pass', `within ${Math.max(1, Math.abs(skew))} s of Meta's`)
        : result(
            'clock',
            clock,
            'fail',
            `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} Meta's: refresh times and signed_request expiry checks go wrong`,
            'turn on time synchronisation (e.g. timedatectl set-ntp true)',
          ),
    )
  }
  return out
}

/** Whether the database exists, opens and has every migration applied. */
export async function checkDatabase(
  databaseUrl: string,
  open: () => Promise<StoreContext & { close(): Promise<void> }>,
): Promise<{ check: CheckResult; store: (StoreContext & { close(): Promise<void> }) | undefined }> {
  const title = 'the database is reachable and migrated'
  const location = parseStoreUrl(databaseUrl)
  if (location.kind === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path)) {
    const problem = folderNotWritable(dirname(location.path))
    if (problem !== null) {
      return {
        check: result('database', title, 'fail', problem.detail, problem.fix),
        store: undefined,
      }
    }
    // A first install: `serve` creates and migrates the file at start, so this is no failure.
    return {
      check: result(
        'database',
        title,
        'note',
        `${location.path} does not exist yet: npx igtoken serve creates and migrates it at start`,
      ),
      store: undefined,
    }
  }
  let store: (StoreContext & { close(): Promise<void> }) | undefined
  try {
    store = await open()
    const status = await migrationStatus(store)
    if (status.pending.length > 0) {
      return {
        check: result(
          'database',
          title,
          'fail',
          `${status.pending.length} migration(s) not applied: ${status.pending.join(', ')}`,
          'run npx igtoken serve once with this version: it applies migrations at start',
        ),
        store,
      }
    }
    return {
      check: result('database', title, 'pass', `${status.applied.length} migrations applied`),
      store,
    }
  } catch (error) {
    await store?.close()
    return {
      check: result(
        'database',
        title,
        'fail',
        `cannot open it: ${error instanceof Error ? error.message : String(error)}`,
        'check IGTOKEN_DATABASE_URL, that the server runs and that this user may connect',
      ),
      store: undefined,
    }
  }
}

/** Why the data folder cannot be written, said with the variables that move it and the fix. */
export interface FolderProblem {
  readonly detail: string
  readonly fix: string
}

/**
 * Whether the service could create files in `folder` (creating the folder itself when missing):
 * the nearest existing ancestor must be a writable folder. `null` when it could; otherwise what
 * is wrong with which folder, and the fix (IGTOKEN_DATA_DIR / IGTOKEN_DATABASE_URL or the owner).
 */
export function folderNotWritable(folder: string): FolderProblem | null {
  let at = resolve(folder)
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at)
  const fix = `make ${at} writable by this user (chown or chmod u+w), or point IGTOKEN_DATA_DIR (or IGTOKEN_DATABASE_URL) at a folder this user may write`
  let isFolder: boolean
  try {
    isFolder = statSync(at).isDirectory()
  } catch {
    isFolder = false
  }
  if (!isFolder) {
    return {
      detail: `the data folder ${resolve(folder)} cannot be created: ${at} is not a folder`,
      fix: `point IGTOKEN_DATA_DIR (or IGTOKEN_DATABASE_URL) at a folder this user may write, or move the file ${at} away`,
    }
  }
  try {
    accessSync(at, constants.W_OK | constants.X_OK)
    return null
  } catch {
    return { detail: `the data folder ${resolve(folder)} is not writable (${at})`, fix }
  }
}

/** Whether the keyring opens every sealed token and webhook secret (`checkKeysOpenEverything`). */
export async function checkKeys(store: StoreContext, keyring: Keyring): Promise<CheckResult> {
  const title = 'the encryption keys open every stored token'
  const report = await checkKeysOpenEverything(store, keyring)
  const counts = Object.entries(report.rowsByKeyId)
    .map(([kid, n]) => `${kid}: ${n}`)
    .join(', ')
  if (report.missingKeyIds.length > 0) {
    return result(
      'keys',
      title,
      'fail',
      `secrets are sealed with key id(s) ${report.missingKeyIds.join(', ')}, which IGTOKEN_ENCRYPTION_KEYS does not hold`,
      'add those keys back to IGTOKEN_ENCRYPTION_KEYS (after the new one), then run npx igtoken rotate-keys to move everything to the first key',
    )
  }
  if (report.undecryptableKeyIds.length > 0) {
    return result(
      'keys',
      title,
      'fail',
      `key id(s) ${report.undecryptableKeyIds.join(', ')} are in IGTOKEN_ENCRYPTION_KEYS but do not open the secrets stored under them`,
      'the key material under that id differs from the one that sealed them: restore the original value',
    )
  }
  return result(
    'keys',
    title,
    'pass',
    counts === '' ? 'nothing stored yet' : `every sealed secret has its key (${counts})`,
  )
}
