import { AuthorizationDeniedError } from '../../meta/index.js'
import { LOGIN_PORT } from '../../login-defaults.js'
import type { LoginSession, RedirectUriInfo } from '../../broker/login-session.js'
import { startCallbackListener, ListenError } from '../callback-listener.js'
import type { CallbackListener, CallbackPage } from '../callback-listener.js'
import { configDir } from '../config-dir.js'
import { EXIT } from '../exit-codes.js'
import { stdinLines } from '../input.js'
import { CliError, say } from '../output.js'
import type { Prompts } from './prompts.js'

/** Listens on the redirect URI's port for Meta's redirect (HTTPS with a localhost certificate). */
export async function listenFor(
  redirect: RedirectUriInfo,
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
          fix: `use a port above 1024: --redirect-uri ${redirect.https ? 'https' : 'http'}://localhost:${LOGIN_PORT}${redirect.url.pathname} (registered for your app)`,
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

/** Opens the address in the default browser; false when none could be opened. */
export async function openBrowser(url: string): Promise<boolean> {
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
export class RedirectWait {
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
          text: 'No token was made. Run npx igtoken login again to retry.',
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
                  fix: 'run npx igtoken login again (and check the browser page for an error from Meta)',
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
