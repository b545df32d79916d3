import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { probeMetaApp } from '../../broker/meta-probes.js'
import type { CheckResult } from '../../broker/doctor-checks.js'
import { loadConfig } from '../../config.js'
import { getFlavor } from '../../meta/index.js'
import type { FlavorName } from '../../meta/index.js'
import { newEncryptionKey } from '../../app/encryption-key.js'
import { EXIT } from '../exit-codes.js'
import { stdinLines } from '../input.js'
import { cliMetaClient } from '../meta-client.js'
import { CliError, say } from '../output.js'
import { askAppId, askFlavor, notCancelled } from '../login/prompts.js'
import type { Prompts } from '../login/prompts.js'
import { paintFor } from '../terminal.js'

/** The flags of `igtoken init`; secrets are never flags (shell history, `ps`). */
export interface InitOptions {
  readonly flavor?: string
  readonly appId?: string
  readonly publicUrl?: string
  readonly redirectUri?: string
  readonly trustProxy?: string
  readonly envFile?: string
  readonly force?: boolean
}

// Meta refusing one of these means no person could connect: init writes nothing.
const BLOCKING = new Set(['meta_answers', 'app_pair', 'login_dialog'])

/**
 * `igtoken init`: asks for (or takes as flags) the values "Going live" lists, checks them with
 * Meta through the same probes as `igtoken doctor`, and only then writes `.env` with mode 0600.
 * Secrets come from their variable, the next line of stdin, or a hidden prompt; none is printed.
 */
export async function initCommand(opts: InitOptions): Promise<void> {
  const file = resolve(opts.envFile ?? '.env')
  if (existsSync(file) && opts.force !== true) {
    throw new CliError(`${file} exists already`, {
      exit: EXIT.usage,
      code: 'env_exists',
      fix: 'run igtoken init --force to replace it, or --env-file to write another file',
    })
  }
  const interactive = process.stdin.isTTY && process.stderr.isTTY
  const prompts: Prompts | undefined = interactive ? await import('@clack/prompts') : undefined
  prompts?.intro('igtoken init: a .env for a real Meta app (docs/configuration.md, Going live)')

  const flavor = await askFlavor(opts, prompts)
  const facts = getFlavor(flavor)
  const appId = await askAppId(opts, flavor, prompts)
  const appSecret = await askHidden(
    'IGTOKEN_APP_SECRET',
    facts.appCredentials === 'meta-app'
      ? `App secret (${facts.appCredentialsPath}; not shown)`
      : `Instagram app secret, beside the Instagram app id (${facts.appCredentialsPath}; not shown)`,
    prompts,
  )
  const publicUrl = await askPublicUrl(opts, prompts)
  const metaAppSecret =
    facts.appCredentials === 'meta-app'
      ? ''
      : await askHidden(
          'IGTOKEN_META_APP_SECRET',
          'Meta app secret (App settings > Basic; signs the deauthorize and deletion callbacks; empty to skip)',
          prompts,
          true,
        )
  const given = await askHidden(
    'IGTOKEN_ADMIN_PASSWORD',
    'Dashboard password, 10 characters or more (empty: igtoken makes one)',
    prompts,
    true,
  )
  const adminPassword = given === '' ? randomBytes(18).toString('base64url') : given

  const values: Record<string, string> = {
    IGTOKEN_PUBLIC_URL: publicUrl,
    ...(opts.redirectUri === undefined ? {} : { IGTOKEN_REDIRECT_URI: opts.redirectUri }),
    ...(opts.trustProxy === undefined ? {} : { IGTOKEN_TRUST_PROXY: opts.trustProxy }),
    ...(flavor === 'instagram-login' ? {} : { IGTOKEN_FLAVOR: flavor }),
    IGTOKEN_APP_ID: appId,
    IGTOKEN_APP_SECRET: appSecret,
    ...(metaAppSecret === '' ? {} : { IGTOKEN_META_APP_SECRET: metaAppSecret }),
    IGTOKEN_ADMIN_PASSWORD: adminPassword,
    IGTOKEN_ENCRYPTION_KEYS: newEncryptionKey(),
  }
  // The service's own rules (https, password length, …): a ConfigError names the variable.
  const config = loadConfig(values, { envFile: false })
  await checkWithMeta(flavor, appId, appSecret, config.redirectUri)

  const text = [
    '# Written by igtoken init. Keep it mode 0600 and out of version control;',
    '# back up IGTOKEN_ENCRYPTION_KEYS: without it the stored tokens cannot be read.',
    ...Object.entries(values).map(([key, value]) => `${key}=${envValue(key, value)}`),
    '',
  ].join('\n')
  writeFileSync(file, text, { mode: 0o600, flag: opts.force === true ? 'w' : 'wx' })
  // `mode` applies only when the file is created: a replaced file is narrowed here.
  chmodSync(file, 0o600)

  const paint = paintFor(process.stderr)
  const lines = [
    paint.ok(`Wrote ${file}`) + ' (mode 0600, readable by you only).',
    `Meta's login dialog accepts ${config.redirectUri} (${facts.redirectUrisPath}).`,
    given === ''
      ? 'The dashboard password was generated: it is IGTOKEN_ADMIN_PASSWORD in that file.'
      : 'The dashboard password is the one you gave.',
    'Next: npx igtoken doctor && npm start',
  ]
  if (prompts !== undefined) prompts.outro(lines.join('\n'))
  else for (const line of lines) say(line)
}

async function askPublicUrl(opts: InitOptions, prompts: Prompts | undefined): Promise<string> {
  let value = opts.publicUrl
  if (value === undefined && prompts !== undefined) {
    value = notCancelled(
      prompts,
      await prompts.text({
        message: 'Public HTTPS address of the service (IGTOKEN_PUBLIC_URL, no trailing slash)',
        placeholder: 'https://tokens.example.com',
        validate: (v) =>
          v !== undefined && /^https:\/\/[^/\s]+[^\s]*$/.test(v.trim())
            ? undefined
            : 'an https:// address',
      }),
    )
  }
  if (value === undefined || value.trim() === '') {
    throw new CliError('no public URL given', {
      exit: EXIT.usage,
      code: 'usage',
      fix: 'pass --public-url https://tokens.example.com (the HTTPS address of your reverse proxy)',
    })
  }
  const trimmed = value.trim().replace(/\/+$/, '')
  if (!trimmed.startsWith('https://')) {
    throw new CliError(`the public URL must be https://, got "${trimmed}"`, {
      exit: EXIT.usage,
      code: 'bad_url',
      fix: 'Meta sends people back over HTTPS only: put the service behind a reverse proxy with a certificate and give its https:// address',
    })
  }
  return trimmed
}

/** A secret from its variable, else the next stdin line (scripts), else a hidden prompt. */
async function askHidden(
  variable: string,
  message: string,
  prompts: Prompts | undefined,
  optional = false,
): Promise<string> {
  const fromEnv = process.env[variable]
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim()
  let value: string | undefined
  if (prompts !== undefined) {
    value = notCancelled(
      prompts,
      await prompts.password({
        message,
        validate: (v) =>
          optional || (v !== undefined && v.trim() !== '') ? undefined : 'required',
      }),
    )
  } else if (!process.stdin.isTTY) {
    value = await stdinLines().next()
  }
  value = (value ?? '').trim()
  if (value === '' && !optional) {
    throw new CliError(`no value for ${variable}`, {
      exit: EXIT.usage,
      code: 'no_app_secret',
      fix: `set ${variable}, or pipe the secrets on stdin one per line (app secret, Meta app secret, dashboard password), never as arguments`,
    })
  }
  return value
}

async function checkWithMeta(
  flavor: FlavorName,
  appId: string,
  appSecret: string,
  redirectUri: string,
): Promise<void> {
  const meta = cliMetaClient({
    flavor,
    appId,
    appSecret,
    redirectUri,
    onWarning: () => undefined,
  })
  const checks: CheckResult[] = await probeMetaApp(meta, redirectUri, Date.now)
  for (const c of checks) if (c.status === 'warn') say(`igtoken: warning: ${c.detail}`)
  const failed = checks.find((c) => c.status === 'fail' && BLOCKING.has(c.id))
  if (failed !== undefined) {
    throw new CliError(`${failed.detail}; nothing was written`, {
      exit: failed.id === 'meta_answers' ? EXIT.unavailable : EXIT.failure,
      code: failed.id === 'meta_answers' ? 'meta_unreachable' : 'meta_refused',
      ...(failed.fix === null ? {} : { fix: failed.fix }),
    })
  }
  const clock = checks.find((c) => c.id === 'clock' && c.status === 'fail')
  if (clock !== undefined) say(`igtoken: warning: ${clock.detail} (${clock.fix ?? ''})`)
}

/** A value `.env` readers (node:util parseEnv, dotenv, shells) read back unchanged. */
function envValue(key: string, value: string): string {
  if (/^[A-Za-z0-9_+/=:.,@%-]*$/.test(value)) return value
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`
  throw new CliError(`${key} contains both a quote and characters a .env cannot hold unquoted`, {
    exit: EXIT.usage,
    code: 'usage',
    fix: 'choose a value without single quotes',
  })
}
