import type * as ClackPrompts from '@clack/prompts'
import { checkRedirectUri } from '../../broker/login-session.js'
import type { RedirectUriInfo } from '../../broker/login-session.js'
import { defaultLoginRedirectUri } from '../../login-defaults.js'
import { getFlavor } from '../../meta/index.js'
import type { FlavorName } from '../../meta/index.js'
import { EXIT } from '../exit-codes.js'
import { stdinLines } from '../input.js'
import { parseFlavor } from '../meta-client.js'
import { CliError } from '../output.js'
import type { LoginOptions } from './options.js'
import { loadCliSettings } from '../../config.js'

/** The prompt library, loaded only on a terminal. */
export type Prompts = typeof ClackPrompts

/** Part of `igtoken login`: see its options. */
export async function askFlavor(
  opts: LoginOptions,
  prompts: Prompts | undefined,
): Promise<FlavorName> {
  const given = opts.flavor ?? loadCliSettings().flavor
  if (given !== undefined || prompts === undefined) {
    return parseFlavor(given, opts.flavor === undefined ? 'IGTOKEN_FLAVOR' : '--flavor')
  }
  const picked = await prompts.select<FlavorName>({
    message: 'How does your app log in?',
    initialValue: 'instagram-login',
    options: [
      {
        value: 'instagram-login',
        label: 'Instagram Login',
        hint: 'professional accounts, no Facebook Page (recommended)',
      },
      {
        value: 'facebook-login',
        label: 'Facebook Login',
        hint: 'accounts linked to a Facebook Page',
      },
      { value: 'basic-display', label: 'Basic Display', hint: 'shut down by Meta in Dec 2024' },
    ],
  })
  return notCancelled(prompts, picked)
}

/** Part of `igtoken login`: see its options. */
export async function askAppId(
  opts: LoginOptions,
  flavor: FlavorName,
  prompts: Prompts | undefined,
): Promise<string> {
  const facts = getFlavor(flavor)
  const which =
    facts.appCredentials === 'meta-app'
      ? `the Meta app id (${facts.appCredentialsPath})`
      : `the Instagram app id (${facts.appCredentialsPath}), not the Meta app id at the top`
  let value = opts.appId ?? loadCliSettings().appId
  if (value === undefined && prompts !== undefined) {
    value = notCancelled(
      prompts,
      await prompts.text({
        message: `App id: ${which}`,
        validate: (v) => (v !== undefined && /^\d+$/.test(v.trim()) ? undefined : 'digits only'),
      }),
    ).trim()
  }
  if (value === undefined || value === '') {
    throw new CliError('no app id given', {
      exit: EXIT.usage,
      code: 'no_app_id',
      fix: `pass --app-id with ${which}, or set IGTOKEN_APP_ID`,
    })
  }
  if (!/^\d+$/.test(value)) {
    throw new CliError(`the app id must be digits, got "${value}"`, {
      exit: EXIT.usage,
      code: 'bad_app_id',
      fix: `use ${which}`,
    })
  }
  return value
}

/** Part of `igtoken login`: see its options. */
export async function askSecret(flavor: FlavorName, prompts: Prompts | undefined): Promise<string> {
  const fromEnv = loadCliSettings().appSecret
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim()
  let value: string | undefined
  if (!process.stdin.isTTY) value = (await stdinLines().next())?.trim()
  else if (prompts !== undefined) {
    value = notCancelled(
      prompts,
      await prompts.password({
        message:
          getFlavor(flavor).appCredentials === 'meta-app'
            ? 'App secret (not shown)'
            : 'Instagram app secret (not shown; the one beside the Instagram app id)',
        validate: (v) => (v !== undefined && v.trim() !== '' ? undefined : 'required'),
      }),
    ).trim()
  }
  if (value === undefined || value === '') {
    throw new CliError('no app secret given', {
      exit: EXIT.usage,
      code: 'no_app_secret',
      fix: 'set IGTOKEN_APP_SECRET, or pipe the secret as the first line of stdin (never as an argument)',
    })
  }
  return value
}

/** Part of `igtoken login`: see its options. */
export async function askScopes(
  opts: LoginOptions,
  flavor: FlavorName,
  prompts: Prompts | undefined,
): Promise<string[] | undefined> {
  const given = opts.scopes ?? loadCliSettings().scopes
  if (given !== undefined) {
    const list = given.split(/[\s,]+/).filter(Boolean)
    if (list.length === 0) {
      throw new CliError('--scopes is empty', { exit: EXIT.usage, code: 'bad_scopes' })
    }
    return list
  }
  if (prompts === undefined) return undefined
  const f = getFlavor(flavor)
  const picked = await prompts.multiselect<string>({
    message: 'Scopes to ask for (space to toggle, enter to accept)',
    options: f.knownScopes.map((s) => ({ value: s, label: s })),
    initialValues: [...f.defaultScopes],
    required: true,
  })
  return notCancelled(prompts, picked)
}

/** Part of `igtoken login`: see its options. */
export function notCancelled<T>(prompts: Prompts, value: T): Exclude<T, symbol> {
  if (prompts.isCancel(value) || typeof value === 'symbol') {
    throw new CliError('cancelled', { exit: EXIT.interrupted, code: 'cancelled' })
  }
  return value as Exclude<T, symbol>
}

/** Part of `igtoken login`: see its options. */
export function redirectUriOf(opts: LoginOptions): RedirectUriInfo {
  const value = opts.redirectUri ?? defaultLoginRedirectUri(opts.http === true ? 'http' : 'https')
  const checked = checkRedirectUri(value)
  if ('problem' in checked) {
    throw new CliError(checked.problem, {
      exit: EXIT.usage,
      code: 'bad_redirect_uri',
      fix: checked.fix,
    })
  }
  if (opts.http === true && opts.redirectUri !== undefined && checked.https) {
    throw new CliError('--http was given with an https:// redirect URI', {
      exit: EXIT.usage,
      code: 'bad_redirect_uri',
      fix: 'drop --http, or give an http:// redirect URI',
    })
  }
  return checked
}

/** Part of `igtoken login`: see its options. */
export function timeoutOf(opts: LoginOptions): number {
  const minutes = Number(opts.timeout ?? 10)
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new CliError(
      `--timeout must be a positive number of minutes, got "${opts.timeout ?? ''}"`,
      {
        exit: EXIT.usage,
        code: 'bad_timeout',
      },
    )
  }
  return minutes * 60_000
}
