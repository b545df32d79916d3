import {
  checkRedirectUri,
  explainLoginError,
  probeAuthorizationDialog,
  startLoginSession,
} from '../../broker/login-session.js'
import type { LoginFailure, LoginResult, LoginSession } from '../../broker/login-session.js'
import type * as ClackPrompts from '@clack/prompts'
import { loadCliSettings } from '../../config.js'
import { AuthorizationDeniedError, getFlavor } from '../../meta/index.js'
import type { FlavorName } from '../../meta/index.js'
import { startCallbackListener, ListenError } from '../callback-listener.js'
import type { CallbackListener, CallbackPage } from '../callback-listener.js'
import { configDir } from '../config-dir.js'
import { EXIT } from '../exit-codes.js'
import { stdinLines } from '../input.js'
import { cliMetaClient, parseFlavor } from '../meta-client.js'
import { CliError, printJson, say } from '../output.js'
import { paintFor, relativeTime } from '../terminal.js'
import { tokenFileContent, writeTokenFile } from '../token-file.js'

/** Options of `igtoken login`. */
export interface LoginOptions {
  readonly flavor?: string
  readonly appId?: string
  readonly scopes?: string
  readonly redirectUri?: string
  readonly http?: boolean
  /** Commander's `--no-open`: false when given. */
  readonly open?: boolean
  readonly paste?: boolean
  readonly save?: boolean
  readonly label?: string
  readonly out?: string
  readonly timeout?: string
  readonly json?: boolean
}

type Prompts = typeof ClackPrompts

const DEFAULT_PORT = 8443

/**
 * `igtoken login`: one person, one token, no service. Asks for what is missing, catches Meta's
 * redirect on a local listener (or takes the pasted address), and prints a long-lived token.
 */
export async function loginCommand(opts: LoginOptions): Promise<void> {
  const env = process.env
  const interactive = process.stdin.isTTY && process.stderr.isTTY
  const prompts: Prompts | undefined = interactive ? await import('@clack/prompts') : undefined
  const paint = paintFor(process.stderr)

  const flavor = await askFlavor(opts, prompts)
  const appId = await askAppId(opts, flavor, prompts)
  const appSecret = await askSecret(flavor, prompts)
  const scopes = await askScopes(opts, flavor, prompts)
  const redirect = redirectUriOf(opts)
  const timeoutMs = timeoutOf(opts)

  // --save fails before anyone signs in when the database or keys are not usable.
  const saver = opts.save === true ? await openSaver() : undefined
  try {
    const refused: string[] = []
    const meta = cliMetaClient({
      flavor,
      appId,
      appSecret,
      redirectUri: redirect.exact,
      onWarning: (message, code) => {
        say(`igtoken: warning: ${message}`)
        if (code === 'IGW_MISSPELLED_SCOPE' || code === 'IGW_DEPRECATED_SCOPE')
          refused.push(message)
      },
    })
    let session: LoginSession
    try {
      session = startLoginSession(meta, scopes === undefined ? {} : { scopes })
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error), {
        exit: EXIT.usage,
        code: 'bad_scopes',
      })
    }
    if (refused.length > 0) {
      throw new CliError('Meta would refuse the requested scopes', {
        exit: EXIT.usage,
        code: 'scope_refused',
        fix: `${refused.join('; ')}. Run again with --scopes ${getFlavor(flavor).defaultScopes.join(',')} (or the scopes you need, spelled as above)`,
      })
    }
    const problem = await probeAuthorizationDialog(session.authorizationUrl)
    if (problem !== null) {
      throw dialogFailure(problem.code, problem.message, redirect.exact, flavor)
    }

    const listen = redirect.loopback && opts.paste !== true
    const canOpen =
      opts.open !== false &&
      opts.paste !== true &&
      listen &&
      (process.platform !== 'linux' || Boolean(env['DISPLAY']) || Boolean(env['WAYLAND_DISPLAY']))

    const wait = new RedirectWait(session)
    let listener: CallbackListener | undefined
    if (listen) listener = await listenFor(redirect, wait)
    try {
      say(
        `Register this redirect URI exactly (character for character) for your app: ${paint.bold(redirect.exact)}`,
      )
      if (!redirect.https) {
        say(
          paint.warn(
            'Meta accepts http:// redirect URIs only for apps in development (and not always); use https for real accounts.',
          ),
        )
      }
      say('')
      say('Open this address to sign in:')
      say(`  ${session.authorizationUrl}`)
      say('')
      let pasteWanted = !listen
      if (canOpen) {
        const opened = await openBrowser(session.authorizationUrl)
        if (!opened) {
          say('igtoken: could not open a browser; open the address above yourself.')
          pasteWanted = true
        }
      } else if (listen && opts.open !== false) {
        say(
          'No browser can be opened here (no display): open the address above on this machine, or anywhere and paste where it sends you.',
        )
        pasteWanted = true
      }
      if (listen) {
        say(`Waiting for Meta to send the browser back to ${redirect.exact} …`)
        if (redirect.https) {
          say(
            paint.dim(
              'The browser will warn about the certificate: igtoken made it for localhost. Accept it to continue.',
            ),
          )
        }
      }
      if (!listen && !redirect.loopback) {
        say(`Your redirect URI is not on this machine, so nothing here can catch it.`)
      }
      if (pasteWanted || !interactive) wait.readPastes(prompts, pasteWanted, listen)
      const outcome = await wait.result(timeoutMs)
      if ('error' in outcome) throw loginFailure(outcome.error, redirect.exact, flavor)
      let result: LoginResult
      try {
        result = await session.exchange(outcome.code)
      } catch (error) {
        const failure = explainLoginError(error, { redirectUri: redirect.exact, flavor })
        wait.showPage({
          status: 400,
          title: 'Sign-in failed',
          text: `${failure.message}. ${failure.fix}.`,
        })
        throw toCliError(failure)
      }
      wait.showPage({
        status: 200,
        title: 'Signed in',
        text: `igtoken has a token for @${result.username}. You can close this tab and return to the terminal.`,
      })
      await finish(result, opts, saver, flavor)
    } finally {
      wait.stop()
      await listener?.close()
    }
  } finally {
    await saver?.close()
  }
}

/** What `--save` needs, opened up front. */
interface Saver {
  save(result: LoginResult, label: string | undefined): Promise<{ id: string; created: boolean }>
  close(): Promise<void>
}

async function openSaver(): Promise<Saver> {
  const { openConfiguredStore, configuredKeyring } = await import('../open-store.js')
  const { saveLoginResult } = await import('../../broker/login-store.js')
  const { config, store } = await openConfiguredStore()
  try {
    const keyring = configuredKeyring(config)
    return {
      async save(result, label) {
        const saved = await saveLoginResult(store, keyring, result, {
          now: Date.now(),
          ...(label === undefined ? {} : { label }),
        })
        return { id: saved.account.id, created: saved.created }
      },
      close: () => store.close(),
    }
  } catch (error) {
    await store.close()
    throw error
  }
}

async function finish(
  result: LoginResult,
  opts: LoginOptions,
  saver: Saver | undefined,
  flavor: FlavorName,
): Promise<void> {
  const now = Date.now()
  const document = {
    access_token: result.accessToken,
    token_type: 'bearer',
    flavor,
    kind: result.kind,
    issued_at: new Date(result.issuedAt).toISOString(),
    expires_at: new Date(result.expiresAt).toISOString(),
    expires_in: result.expiresIn,
    user_id: result.userId,
    meta_user_id: result.metaUserId,
    username: result.username,
    account_type: result.accountType,
    scopes: result.scopes,
  }
  let saved: { id: string; created: boolean } | undefined
  if (saver !== undefined) saved = await saver.save(result, opts.label)
  if (opts.out !== undefined) {
    writeTokenFile(opts.out, tokenFileContent(opts.out, result.accessToken, document))
  }
  const keepsToken = saved === undefined && opts.out === undefined
  if (opts.json === true) {
    const { access_token: _token, ...withoutToken } = document
    printJson({
      ...(keepsToken ? document : withoutToken),
      ...(saved === undefined ? {} : { account_id: saved.id, account_created: saved.created }),
      ...(opts.out === undefined ? {} : { out: opts.out }),
    })
    return
  }
  const paint = paintFor(process.stderr)
  say('')
  say(
    paint.ok(`Signed in as @${result.username}`) +
      ` (Instagram user ${result.userId}${result.accountType === null ? '' : `, ${result.accountType}`})`,
  )
  say(
    `Long-lived token, expires ${document.expires_at} (${relativeTime(result.expiresAt, now)}); refreshable from ${new Date(result.issuedAt + 86_400_000).toISOString()} with igtoken refresh.`,
  )
  say(`Scopes: ${result.scopes.length === 0 ? 'not listed by Meta' : result.scopes.join(', ')}`)
  if (saved !== undefined) {
    say(
      `Saved in the service's database as account ${saved.id}${saved.created ? '' : ' (it was connected before: its token was replaced)'}.`,
    )
  }
  if (opts.out !== undefined) say(`Written to ${opts.out} (readable by you only).`)
  if (keepsToken) process.stdout.write(`${result.accessToken}\n`)
}

async function askFlavor(opts: LoginOptions, prompts: Prompts | undefined): Promise<FlavorName> {
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

async function askAppId(
  opts: LoginOptions,
  flavor: FlavorName,
  prompts: Prompts | undefined,
): Promise<string> {
  const which =
    flavor === 'facebook-login'
      ? 'the Meta app id (top of the App Dashboard)'
      : 'the Instagram app id (App Dashboard > Instagram > API setup with Instagram login > Business login settings), not the Meta app id at the top'
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

async function askSecret(flavor: FlavorName, prompts: Prompts | undefined): Promise<string> {
  const fromEnv = loadCliSettings().appSecret
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim()
  let value: string | undefined
  if (!process.stdin.isTTY) value = (await stdinLines().next())?.trim()
  else if (prompts !== undefined) {
    value = notCancelled(
      prompts,
      await prompts.password({
        message:
          flavor === 'facebook-login'
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

async function askScopes(
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

function notCancelled<T>(prompts: Prompts, value: T): Exclude<T, symbol> {
  if (prompts.isCancel(value) || typeof value === 'symbol') {
    throw new CliError('cancelled', { exit: EXIT.interrupted, code: 'cancelled' })
  }
  return value as Exclude<T, symbol>
}

function redirectUriOf(
  opts: LoginOptions,
): Exclude<ReturnType<typeof checkRedirectUri>, { problem: string }> {
  const value =
    opts.redirectUri ??
    `${opts.http === true ? 'http' : 'https'}://localhost:${DEFAULT_PORT}/callback`
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

function timeoutOf(opts: LoginOptions): number {
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

async function listenFor(
  redirect: Exclude<ReturnType<typeof checkRedirectUri>, { problem: string }>,
  wait: RedirectWait,
): Promise<CallbackListener> {
  let tls: { key: string; cert: string } | undefined
  if (redirect.https) {
    const { loadLocalhostCertificate } = await import('../localhost-cert.js')
    const made = await loadLocalhostCertificate(configDir())
    if (made.created) say(`Made a self-signed certificate for localhost: ${made.certFile}`)
    tls = { key: made.key, cert: made.cert }
  }
  try {
    return await startCallbackListener({
      redirectUri: redirect.url,
      port: redirect.port,
      ...(tls === undefined ? {} : { tls }),
      onCallback: (url) => wait.fromListener(url),
    })
  } catch (error) {
    if (error instanceof ListenError) {
      const other = redirect.port + 1
      const alternative = new URL(redirect.exact)
      alternative.port = String(other)
      if (error.code === 'EADDRINUSE') {
        throw new CliError(
          `port ${redirect.port} on ${redirect.url.hostname} is busy: another program (or another igtoken login) is using it`,
          {
            exit: EXIT.unavailable,
            code: 'port_busy',
            fix: `stop that program, or use another port: --redirect-uri ${alternative.href} (and register that exact URI for your app)`,
          },
        )
      }
      if (error.code === 'EACCES') {
        throw new CliError(`port ${redirect.port} needs administrator rights`, {
          exit: EXIT.usage,
          code: 'port_denied',
          fix: `use a port above 1024: --redirect-uri ${redirect.https ? 'https' : 'http'}://localhost:${DEFAULT_PORT}${redirect.url.pathname} (registered for your app)`,
        })
      }
      throw new CliError(error.message, {
        exit: EXIT.unavailable,
        code: 'listen_failed',
        fix: 'check that the redirect URI names this machine (localhost or 127.0.0.1)',
      })
    }
    throw error
  }
}

async function openBrowser(url: string): Promise<boolean> {
  try {
    const { default: open } = await import('open')
    const child = await open(url, { wait: false })
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        resolve(true)
      }, 1500)
      child.once('error', () => {
        clearTimeout(timer)
        resolve(false)
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code === 0 || code === null)
      })
    })
  } catch {
    return false
  }
}

type Outcome = { code: string } | { error: unknown }

/** Collects the first usable redirect from the listener or a paste, and the page to show. */
class RedirectWait {
  readonly #session: LoginSession
  #settle: ((outcome: Outcome) => void) | undefined
  readonly #outcome: Promise<Outcome>
  #showPage: ((page: CallbackPage) => void) | undefined
  readonly #page: Promise<CallbackPage>
  readonly #abort = new AbortController()
  #pasteError: unknown

  constructor(session: LoginSession) {
    this.#session = session
    this.#outcome = new Promise((resolve) => (this.#settle = resolve))
    this.#page = new Promise((resolve) => (this.#showPage = resolve))
  }

  async fromListener(url: URL): Promise<CallbackPage> {
    try {
      const { code } = this.#session.parse(url)
      this.#finish({ code })
    } catch (error) {
      if (error instanceof AuthorizationDeniedError) {
        this.#finish({ error })
        this.showPage({
          status: 400,
          title: 'Sign-in cancelled',
          text: 'No token was made. Run igtoken login again to retry.',
        })
      } else {
        say(
          `igtoken: warning: ignored a request to the callback that does not belong to this login (${error instanceof Error ? error.message : 'malformed'})`,
        )
        return {
          status: 400,
          title: 'Not this sign-in',
          text: 'This address does not belong to the igtoken login running now. Start again from the terminal.',
        }
      }
    }
    return this.#page
  }

  showPage(page: CallbackPage): void {
    this.#showPage?.(page)
    this.#showPage = undefined
  }

  readPastes(prompts: Prompts | undefined, wanted: boolean, listening: boolean): void {
    const loop = async () => {
      if (prompts !== undefined) {
        if (!wanted) return
        for (;;) {
          const answer = await prompts.text({
            message: 'Paste the whole address the browser landed on after Allow',
            signal: this.#abort.signal,
          })
          if (this.#abort.signal.aborted) return
          if (prompts.isCancel(answer)) {
            this.#finish({
              error: new CliError('cancelled', { exit: EXIT.interrupted, code: 'cancelled' }),
            })
            return
          }
          if (this.#tryPaste(answer)) return
          say(`igtoken: ${this.#describe(this.#pasteError)}; paste the address again`)
        }
      }
      const lines = stdinLines()
      for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
        if (this.#abort.signal.aborted) return
        if (line.trim() === '') continue
        if (this.#tryPaste(line)) return
        say(`igtoken: ${this.#describe(this.#pasteError)}`)
      }
      if (!listening) {
        this.#finish({
          error:
            this.#pasteError ??
            new CliError('no redirect address on stdin', {
              code: 'no_redirect',
              fix: 'paste the address the browser landed on after Allow (it starts with your redirect URI and has ?code=)',
            }),
        })
      }
    }
    void loop().catch((error: unknown) => {
      this.#finish({ error })
    })
  }

  #tryPaste(text: string): boolean {
    try {
      const { code } = this.#session.parse(text.trim())
      this.#finish({ code })
      return true
    } catch (error) {
      if (error instanceof AuthorizationDeniedError) {
        this.#finish({ error })
        return true
      }
      this.#pasteError = error
      return false
    }
  }

  #describe(error: unknown): string {
    return `that is not the redirect of this login: ${error instanceof Error ? error.message : 'unreadable'}`
  }

  #finish(outcome: Outcome): void {
    this.#settle?.(outcome)
    this.#settle = undefined
    this.#abort.abort()
  }

  async result(timeoutMs: number): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined
    const onSigint = () => {
      this.#finish({
        error: new CliError('interrupted; no token was made', {
          exit: EXIT.interrupted,
          code: 'interrupted',
        }),
      })
    }
    process.once('SIGINT', onSigint)
    try {
      return await Promise.race([
        this.#outcome,
        new Promise<Outcome>((resolve) => {
          timer = setTimeout(() => {
            resolve({
              error: new CliError(
                `no redirect arrived within ${Math.round(timeoutMs / 60_000)} minutes`,
                {
                  code: 'timeout',
                  fix: 'run igtoken login again (and check the browser page for an error from Meta)',
                },
              ),
            })
          }, timeoutMs)
        }),
      ])
    } finally {
      clearTimeout(timer)
      process.off('SIGINT', onSigint)
    }
  }

  stop(): void {
    this.#abort.abort()
    this.showPage({ status: 400, title: 'Sign-in stopped', text: 'See the terminal.' })
    // Stdin must not keep the process alive once the login is over.
    if (!process.stdin.isTTY) stdinLines().close()
  }
}

function loginFailure(error: unknown, redirectUri: string, flavor: FlavorName): CliError {
  if (error instanceof CliError) return error
  return toCliError(explainLoginError(error, { redirectUri, flavor }))
}

function toCliError(failure: LoginFailure): CliError {
  return new CliError(failure.message, {
    exit: failure.kind === 'unavailable' ? EXIT.unavailable : EXIT.failure,
    code: failure.code,
    fix: failure.fix,
  })
}

function dialogFailure(
  code: 'invalid_platform_app' | 'redirect_uri_not_registered' | 'scope_refused',
  message: string,
  redirectUri: string,
  flavor: FlavorName,
): CliError {
  if (code === 'redirect_uri_not_registered') {
    const where =
      flavor === 'facebook-login'
        ? 'App Dashboard > Facebook Login > Settings > Valid OAuth Redirect URIs'
        : 'App Dashboard > Instagram > API setup with Instagram login > Business login settings > OAuth redirect URIs'
    return new CliError(`${message}: ${redirectUri} is not registered for this app`, {
      code,
      fix: `register exactly ${redirectUri} in ${where} (no trailing slash unless the URI has one), or pass the registered one with --redirect-uri`,
    })
  }
  if (code === 'invalid_platform_app') {
    return new CliError(
      `${message}: this app id is not an ${flavor === 'facebook-login' ? 'app id Meta knows' : 'Instagram app id'}`,
      {
        code,
        fix:
          flavor === 'facebook-login'
            ? 'use the app id shown at the top of the App Dashboard'
            : 'use the Instagram app id and secret (App Dashboard > Instagram > API setup with Instagram login > Business login settings), not the Meta app id at the top of the dashboard',
      },
    )
  }
  return new CliError(message, {
    code,
    fix: `ask only for scopes of this flavor, e.g. --scopes ${getFlavor(flavor).defaultScopes.join(',')}`,
  })
}
