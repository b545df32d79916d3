import type { CompletedLogin } from '../../broker/complete-login.js'
import { ChangeHub } from '../../broker/effects/index.js'
import { saveConnectedAccount } from '../../broker/save-connected-account.js'
import type { SavedAccount } from '../../broker/save-connected-account.js'
import { getFlavor } from '../../meta/index.js'
import type { DialogAnswer, FlavorName } from '../../meta/index.js'
import { metaFailure } from '../meta-failure.js'
import { CliError, printJson, say } from '../output.js'
import { paintFor, relativeTime } from '../terminal.js'
import { tokenFileContent, writeTokenFile } from '../token-file.js'
import type { LoginOptions } from './options.js'

/** One account `--save` stored. */
export interface SavedEntry {
  readonly id: string
  readonly created: boolean
  readonly igUserId: string | null
  readonly username: string
}

/** What `--save` stored: the login's accounts (the first is the top-level one) and the ungranted. */
export interface SavedLogin {
  readonly id: string
  readonly created: boolean
  readonly accounts: readonly SavedEntry[]
  readonly ungranted: readonly SavedEntry[]
}

/** What `--save` needs, opened up front. */
export interface Saver {
  save(login: CompletedLogin, label: string | undefined): Promise<SavedLogin>
  close(): Promise<void>
}

/**
 * Opens the configured store and keyring for `--save`, before anyone signs in, so a missing
 * database or key fails first. Saving goes through the service's one writer of connected accounts.
 */
export async function openSaver(): Promise<Saver> {
  const { openConfiguredStore, configuredKeyring } = await import('../open-store.js')
  const { config, store } = await openConfiguredStore()
  try {
    const keyring = configuredKeyring(config)
    // Other processes learn of the change through the store; this process has no caches to tell.
    const ctx = { store, keyring, changes: new ChangeHub(), now: Date.now }
    return {
      async save(login, label) {
        const saved = await saveConnectedAccount(ctx, login, {
          ...(label === undefined ? {} : { label }),
          via: 'cli',
        })
        const entry = (a: SavedAccount['account'], created: boolean): SavedEntry => ({
          id: a.id,
          created,
          igUserId: a.ig_user_id,
          username: a.username,
        })
        return {
          id: saved.account.id,
          created: saved.created,
          accounts: saved.accounts.map((a) => entry(a.account, a.created)),
          ungranted: saved.ungranted.map((a) => entry(a, false)),
        }
      },
      close: () => store.close(),
    }
  } catch (error) {
    await store.close()
    throw error
  }
}

/** Saves, writes and prints what a successful login won (the token only where it was asked for). */
export async function finish(
  result: CompletedLogin,
  opts: LoginOptions,
  saver: Saver | undefined,
  flavor: FlavorName,
): Promise<void> {
  const now = Date.now()
  const document = {
    access_token: result.userToken.accessToken,
    token_type: 'bearer',
    flavor,
    kind: result.userToken.kind,
    issued_at: new Date(result.issuedAt).toISOString(),
    expires_at: new Date(result.userToken.expiresAt).toISOString(),
    expires_in: result.userToken.expiresIn,
    user_id: result.igUserId,
    meta_user_id: result.metaUserId,
    username: result.username,
    account_type: result.accountType,
    scopes: result.scopes,
  }
  let saved: SavedLogin | undefined
  if (saver !== undefined) saved = await saver.save(result, opts.label)
  if (opts.out !== undefined) {
    writeTokenFile(opts.out, tokenFileContent(opts.out, result.userToken.accessToken, document))
  }
  const keepsToken = saved === undefined && opts.out === undefined
  if (opts.json === true) {
    const { access_token: _token, ...withoutToken } = document
    printJson({
      ...(keepsToken ? document : withoutToken),
      ...(saved === undefined ? {} : { account_id: saved.id, account_created: saved.created }),
      ...(opts.out === undefined ? {} : { out: opts.out }),
      // Facebook Login: every account of the login (one per granted Page with Instagram); the
      // fields above stay the first one's. The other flavors keep their one-account document.
      ...(flavor === 'facebook-login' ? loginAccounts(result, saved) : {}),
    })
    return
  }
  const paint = paintFor(process.stderr)
  say('')
  say(
    paint.ok(`Signed in as @${result.username}`) +
      ` (Instagram user ${result.igUserId}${result.accountType === null ? '' : `, ${result.accountType}`})`,
  )
  say(
    `Long-lived token, expires ${document.expires_at} (${relativeTime(result.userToken.expiresAt, now)}); refreshable from ${new Date(result.issuedAt + 86_400_000).toISOString()} with igtoken refresh.`,
  )
  say(`Scopes: ${result.scopes.length === 0 ? 'not listed by Meta' : result.scopes.join(', ')}`)
  if (result.accounts.length > 1) {
    say(`${result.accounts.length} Instagram accounts behind the granted Pages:`)
    result.accounts.forEach((a, i) => {
      const s = saved?.accounts[i]
      const where =
        s === undefined ? '' : ` saved as account ${s.id}${s.created ? '' : ' (token replaced)'}`
      say(`  @${a.username} (Instagram user ${a.igUserId})${where}`)
    })
  } else if (saved !== undefined) {
    say(
      `Saved in the service's database as account ${saved.id}${saved.created ? '' : ' (it was connected before: its token was replaced)'}.`,
    )
  }
  for (const a of saved?.ungranted ?? []) {
    say(`No longer granted: account ${a.id} (@${a.username}) now needs a new login.`)
  }
  if (opts.out !== undefined) say(`Written to ${opts.out} (readable by you only).`)
  if (keepsToken) process.stdout.write(`${result.userToken.accessToken}\n`)
}

function loginAccounts(result: CompletedLogin, saved: SavedLogin | undefined): object {
  return {
    accounts: result.accounts.map((a, i) => {
      const s = saved?.accounts[i]
      return {
        user_id: a.igUserId,
        username: a.username,
        page_id: a.pageId,
        ...(s === undefined ? {} : { account_id: s.id, account_created: s.created }),
      }
    }),
    ...(saved === undefined
      ? {}
      : { ungranted: saved.ungranted.map((a) => ({ account_id: a.id, username: a.username })) }),
  }
}

/** A failed sign-in as a {@link CliError}: the broker's one translation, worded for a terminal. */
export function loginFailure(error: unknown, redirectUri: string, flavor: FlavorName): CliError {
  return metaFailure(error, { step: 'sign-in', redirectUri, flavor })
}

/**
 * What the login dialog refused before anyone signed in, with where to fix it; null when it
 * refused nothing this process can explain (a page for a person, an unreadable or passing
 * answer: the browser shows the rest).
 */
export function dialogFailure(
  answer: DialogAnswer,
  redirectUri: string,
  flavor: FlavorName,
): CliError | null {
  if (answer.kind === 'ok' || answer.kind === 'unknown') return null
  const said =
    answer.kind === 'json-error'
      ? `Meta's login page answered: ${answer.fields.message || 'an error without a message'}`
      : `Meta's login dialog answered error=${answer.error}${answer.description === null ? '' : ` (${answer.description})`}`
  const hint = answer.kind === 'json-error' ? answer.classification.hint : null
  const { redirectUrisPath, appCredentials, appCredentialsPath, defaultScopes } = getFlavor(flavor)
  switch (answer.refusal) {
    case 'redirect_uri_not_registered':
      return new CliError(`${said}: ${redirectUri} is not registered for this app`, {
        code: 'redirect_uri_not_registered',
        fix: `register exactly ${redirectUri} in ${redirectUrisPath} (no trailing slash unless the URI has one), or pass the registered one with --redirect-uri`,
      })
    case 'invalid_platform_app': {
      const metaApp = appCredentials === 'meta-app'
      return new CliError(
        `${said}: this app id is not an ${metaApp ? 'app id Meta knows' : 'Instagram app id'}`,
        {
          code: 'invalid_platform_app',
          fix: metaApp
            ? `use the app id shown in ${appCredentialsPath}`
            : `use the Instagram app id and secret (${appCredentialsPath}), not the Meta app id at the top of the dashboard`,
        },
      )
    }
    case 'scope_refused':
      return new CliError(said, {
        code: 'scope_refused',
        fix: `ask only for scopes of this flavor, e.g. --scopes ${defaultScopes.join(',')}`,
      })
    case 'no_developer_role':
      return new CliError(said, {
        code: 'permission_missing',
        ...(hint === null ? {} : { fix: hint }),
      })
    case null:
      break
  }
  // A refusal without a known meaning: worth stopping for unless Meta only asked to retry.
  if (
    answer.kind === 'json-error' &&
    ['retry-later', 'unknown'].includes(answer.classification.action)
  ) {
    return null
  }
  return new CliError(said, { code: 'meta_refused', ...(hint === null ? {} : { fix: hint }) })
}
