import { describeToken } from '../../broker/token-report.js'
import type { TokenReport } from '../../broker/token-report.js'
import { loadCliSettings } from '../../config.js'
import { getFlavor } from '../../meta/index.js'
import type { FlavorName, Profile } from '../../meta/index.js'
import { EXIT } from '../exit-codes.js'
import { readTokenInput } from '../input.js'
import { cliMetaClient, parseFlavor } from '../meta-client.js'
import { CliError, printJson } from '../output.js'
import { metaFailure } from '../meta-failure.js'
import { paintFor, relativeTime } from '../terminal.js'

/** Options of `igtoken inspect`. */
export interface InspectOptions {
  readonly flavor?: string
  readonly json?: boolean
}

/**
 * `igtoken inspect [TOKEN]`: asks Meta whether the token works and whose it is, and says when it
 * can be refreshed. Exit 0 when valid, 1 when Meta refuses it.
 */
export async function inspectCommand(
  argument: string | undefined,
  opts: InspectOptions,
): Promise<void> {
  const input = await readTokenInput(argument)
  const settings = loadCliSettings()
  const flavor = guessFlavor(opts.flavor ?? input.flavor ?? settings.flavor, input.token)
  const facts = getFlavor(flavor)
  const meta = cliMetaClient({
    flavor,
    // debug_token needs the app's own id and secret.
    appId: settings.appId,
    appSecret: settings.appSecret,
    settings,
  })
  if (
    facts.inspectsWithAppToken &&
    (settings.appId === undefined || settings.appSecret === undefined)
  ) {
    throw new CliError(`inspecting a ${facts.title} token needs the app id and secret`, {
      exit: EXIT.usage,
      code: 'app_required',
      fix: 'set IGTOKEN_APP_ID and IGTOKEN_APP_SECRET (debug_token is called with the app token)',
    })
  }
  let inspection
  let profile: Profile | null = null
  try {
    inspection = await meta.inspectToken(input.token)
    // A flavor whose profile is read by Instagram user id learns it only from a Page.
    if (inspection.isValid && !facts.endpoints.profile.path.includes('{ig-user-id}')) {
      profile = await meta.getProfile(input.token)
    }
  } catch (error) {
    throw metaFailure(error)
  }
  const report = describeToken({
    flavor,
    inspection,
    profile,
    known: {
      issuedAt: input.issuedAt,
      expiresAt: input.expiresAt,
      scopes: input.scopes,
    },
    now: Date.now(),
  })
  if (opts.json === true) printJson(reportJson(report))
  else printReport(report)
  if (!report.valid) process.exitCode = EXIT.failure
}

function guessFlavor(value: string | undefined, token: string): FlavorName {
  if (value !== undefined && value !== '') return parseFlavor(value, '--flavor')
  // Meta's prefixes: EAA… are Facebook tokens, IGQV… Basic Display, IG… Instagram Login.
  if (token.startsWith('EAA')) return 'facebook-login'
  if (token.startsWith('IGQV')) return 'basic-display'
  return 'instagram-login'
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The `--json` shape of a report (documented in docs/cli.md). */
export function reportJson(report: TokenReport): Record<string, unknown> {
  return {
    valid: report.valid,
    flavor: report.flavor,
    kind: report.kind,
    scopes: report.scopes,
    user_id: report.owner.userId,
    username: report.owner.username,
    account_type: report.owner.accountType,
    issued_at: iso(report.issuedAt),
    expires_at: iso(report.expiresAt),
    age_seconds: report.ageMs === null ? null : Math.floor(report.ageMs / 1000),
    refresh: {
      possible_now: report.refresh.possibleNow,
      from: iso(report.refresh.from),
      until: iso(report.refresh.until),
      note: report.refresh.note,
    },
    error: report.error,
  }
}

function printReport(report: TokenReport): void {
  const paint = paintFor(process.stdout)
  const now = Date.now()
  const when = (ms: number | null) =>
    ms === null ? 'unknown' : `${new Date(ms).toISOString()} (${relativeTime(ms, now)})`
  const owner =
    report.owner.username === null
      ? (report.owner.userId ?? 'unknown')
      : `@${report.owner.username} (${report.owner.userId ?? '?'}${report.owner.accountType === null ? '' : `, ${report.owner.accountType}`})`
  const lines = [
    `valid:     ${report.valid ? paint.ok('yes') : paint.fail(`no: ${report.error ?? ''}`)}`,
    `flavor:    ${report.flavor}`,
    `kind:      ${report.kind}`,
    `owner:     ${owner}`,
    `scopes:    ${report.scopes === null ? 'unknown (Meta does not list them for this token)' : report.scopes.join(', ')}`,
    `issued:    ${when(report.issuedAt)}`,
    `expires:   ${when(report.expiresAt)}`,
    `age:       ${report.ageMs === null ? 'unknown' : relativeTime(now - report.ageMs, now).replace(' ago', '')}`,
    `refresh:   ${report.refresh.possibleNow === true ? paint.ok('possible now') : report.refresh.possibleNow === false ? 'not now' : 'unknown'}${report.refresh.from === null ? '' : `; from ${when(report.refresh.from)}`}`,
    `           ${paint.dim(report.refresh.note)}`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
