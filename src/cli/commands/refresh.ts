import { loadCliSettings } from '../../config.js'
import { getFlavor } from '../../meta/index.js'
import { EXIT } from '../exit-codes.js'
import { readTokenInput } from '../input.js'
import { metaFailure } from '../meta-failure.js'
import { cliMetaClient, parseFlavor } from '../meta-client.js'
import { CliError, printJson } from '../output.js'
import { relativeTime } from '../terminal.js'
import { tokenFileContent, tokenFilePath, writeTokenFile } from '../token-file.js'

/** Options of `igtoken refresh`. */
export interface RefreshOptions {
  readonly flavor?: string
  readonly out?: string
  readonly force?: boolean
  readonly json?: boolean
}

/**
 * `npx igtoken refresh [TOKEN]`: trades a long-lived Instagram token for a fresh one (60 days from
 * now). The new token goes to stdout, or to `--out FILE` (mode 0600).
 */
export async function refreshCommand(
  argument: string | undefined,
  given: RefreshOptions,
): Promise<void> {
  const opts: RefreshOptions =
    given.out === undefined ? given : { ...given, out: tokenFilePath(given.out) }
  const input = await readTokenInput(argument)
  const settings = loadCliSettings()
  const flavor = parseFlavor(opts.flavor ?? input.flavor ?? settings.flavor, '--flavor')
  if (!getFlavor(flavor).refreshable) {
    throw new CliError(`${getFlavor(flavor).title} tokens have no refresh grant`, {
      exit: EXIT.usage,
      code: 'not_refreshable',
      fix: 'run npx igtoken login again before the token expires',
    })
  }
  const meta = cliMetaClient({ flavor, settings })
  let refreshed
  try {
    refreshed = await meta.refreshLongLivedToken(input.token, {
      ...(input.issuedAt === undefined ? {} : { issuedAt: input.issuedAt }),
      ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
      ...(opts.force === true ? { force: true } : {}),
    })
  } catch (error) {
    throw metaFailure(error, { step: 'refresh' })
  }
  const now = Date.now()
  const document = {
    access_token: refreshed.accessToken,
    token_type: 'bearer',
    flavor,
    issued_at: new Date(now).toISOString(),
    expires_at: new Date(refreshed.expiresAt).toISOString(),
    expires_in: refreshed.expiresIn,
    ...(input.scopes === undefined ? {} : { scopes: input.scopes }),
  }
  if (opts.out !== undefined) {
    writeTokenFile(opts.out, tokenFileContent(opts.out, refreshed.accessToken, document))
  }
  const { access_token: _omitted, ...withoutToken } = document
  if (opts.json === true) {
    printJson(opts.out === undefined ? document : { ...withoutToken, out: opts.out })
  } else {
    if (opts.out === undefined) process.stdout.write(`${refreshed.accessToken}\n`)
    process.stderr.write(
      `refreshed: the new token expires ${document.expires_at} (${relativeTime(refreshed.expiresAt, now)})${opts.out === undefined ? '' : `; written to ${opts.out}`}\n`,
    )
  }
}
