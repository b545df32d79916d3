import { startLoginSession, probeAuthorizationDialog } from '../../broker/login-session.js'
import type { LoginSession } from '../../broker/login-session.js'
import type { CompletedLogin } from '../../broker/complete-login.js'
import { getFlavor } from '../../meta/index.js'
import type { CallbackListener } from '../callback-listener.js'
import { EXIT } from '../exit-codes.js'
import { cliMetaClient } from '../meta-client.js'
import { CliError, say } from '../output.js'
import { paintFor } from '../terminal.js'
import { dialogFailure, finish, loginFailure, openSaver } from '../login/finish.js'
import type { LoginOptions } from '../login/options.js'
import { tokenFilePath } from '../token-file.js'
import {
  askAppId,
  askFlavor,
  askScopes,
  askSecret,
  redirectUriOf,
  timeoutOf,
} from '../login/prompts.js'
import type { Prompts } from '../login/prompts.js'
import { listenFor, openBrowser, RedirectWait } from '../login/redirect-wait.js'

export type { LoginOptions } from '../login/options.js'

/**
 * `igtoken login`: one person, one token, no service. Asks for what is missing, catches Meta's
 * redirect on a local listener (or takes the pasted address), and prints a long-lived token.
 */
export async function loginCommand(given: LoginOptions): Promise<void> {
  const env = process.env
  const opts: LoginOptions =
    given.out === undefined ? given : { ...given, out: tokenFilePath(given.out, env) }
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
    const refusal = dialogFailure(
      await probeAuthorizationDialog(session.authorizationUrl),
      redirect.exact,
      flavor,
    )
    if (refusal !== null) throw refusal

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
      let result: CompletedLogin
      try {
        result = await session.exchange(outcome.code)
      } catch (error) {
        const failure = loginFailure(error, redirect.exact, flavor)
        wait.showPage({
          status: 400,
          title: 'Sign-in failed',
          text: `${failure.message}. ${failure.fix ?? ''}`,
        })
        throw failure
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
