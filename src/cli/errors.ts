import type { StartupErrorCode } from '../app/startup-error.js'
import type { ServiceErrorCode } from '../broker/service-error.js'
import type { BrokerErrorCode } from '../meta/index.js'
import type { StoreErrorCode } from '../broker/types.js'
import { EXIT } from './exit-codes.js'
import type { ExitCode } from './exit-codes.js'

/**
 * Codes the CLI itself reports in `--json` errors (`{"error":{code,message,fix}}`); errors of the
 * domain, the store and the start-up keep their own codes. docs/errors.md lists every one.
 */
export const CLI_ERROR_CODES = [
  // `igtoken login`'s explanations of a failed sign-in (src/broker/login-session.ts)
  'code_expired',
  'denied',
  'invalid_client_secret',
  'invalid_platform_app',
  'no_instagram_account',
  'redirect_malformed',
  'redirect_uri_not_registered',
  // the commands' own checks
  'app_required',
  'bad_app_id',
  'bad_flavor',
  'bad_keys',
  'bad_redirect_uri',
  'bad_scopes',
  'bad_status',
  'bad_timeout',
  'bad_token_input',
  'bad_url',
  'cancelled',
  'configuration',
  'confirm',
  'database_unavailable',
  'env_exists',
  'failed',
  'interrupted',
  'invalid_argument',
  'invalid_request',
  'listen_failed',
  'meta_refused',
  'meta_unreachable',
  'no_accounts',
  'no_app_id',
  'no_app_secret',
  'no_keys',
  'no_redirect',
  'no_token',
  'not_found',
  'not_refreshable',
  'out_file',
  'permission_missing',
  'port_busy',
  'port_denied',
  'retry_later',
  'same_database',
  'schema_mismatch',
  'scope_refused',
  'source_missing',
  'target_not_empty',
  'timeout',
  'token_dead',
  'too_early',
  'usage',
] as const

/** One of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number]

/** Whether a string is one of {@link CLI_ERROR_CODES}. */
export function isCliErrorCode(value: string): value is CliErrorCode {
  return (CLI_ERROR_CODES as readonly string[]).includes(value)
}

/**
 * A failure a command reports itself: one line for stderr (with the fix) and its exit code.
 * Thrown from command code so every command ends through the same path.
 */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: ExitCode
  /** What to do about it, printed after the message. */
  readonly fix: string | undefined
  /** A short machine-readable code for `--json` output. */
  readonly code: CliErrorCode | BrokerErrorCode
  constructor(
    message: string,
    options: { exit?: ExitCode; fix?: string; code?: CliErrorCode | BrokerErrorCode } = {},
  ) {
    super(message)
    this.exitCode = options.exit ?? EXIT.failure
    this.fix = options.fix
    this.code = options.code ?? 'failed'
  }
}

/** How the CLI ends on a failure: exit code, `--json` code, the message and the `fix:` line. */
export interface CliFailure {
  readonly exit: ExitCode
  readonly code: string
  readonly message: string
  readonly fix: string | undefined
}

/** Exit code and fix of each domain error code: the CLI's one mapping of them. */
const SERVICE_FAILURES: Readonly<Record<ServiceErrorCode, { exit: ExitCode; fix?: string }>> = {
  unauthorized: { exit: EXIT.failure },
  graph_path_forbidden: { exit: EXIT.usage },
  forbidden_scope: {
    exit: EXIT.failure,
    fix: 'use a key with the scope named, or create one (npx igtoken keys create --scope …)',
  },
  not_found: { exit: EXIT.failure, fix: 'check the id (npx igtoken accounts list)' },
  needs_reauth: {
    exit: EXIT.failure,
    fix: 'connect the account again (/connect or npx igtoken login --save)',
  },
  account_inactive: { exit: EXIT.failure, fix: 'connect the account again' },
  invalid_request: { exit: EXIT.usage },
  state_missing: { exit: EXIT.failure, fix: 'start the login again' },
  state_unknown: { exit: EXIT.failure, fix: 'start the login again' },
  state_used: { exit: EXIT.failure, fix: 'start the login again' },
  state_expired: { exit: EXIT.failure, fix: 'start the login again' },
  browser_mismatch: { exit: EXIT.failure, fix: 'finish the login in the browser that started it' },
  cookie_missing: { exit: EXIT.failure, fix: 'allow cookies and start the login again' },
  authorization_denied: { exit: EXIT.failure, fix: 'approve the permissions in the login dialog' },
  code_rejected: {
    exit: EXIT.failure,
    fix: 'start the login again (a code works once, for 1 hour)',
  },
  profile_invalid: {
    exit: EXIT.failure,
    fix: 'check the account on Instagram (username, id), then log in again',
  },
  return_to_refused: { exit: EXIT.usage },
  link_gone: { exit: EXIT.failure, fix: 'create a new link with "igtoken links create"' },
  link_used: { exit: EXIT.failure, fix: 'disconnect the account instead' },
  signed_request_invalid: { exit: EXIT.failure },
  meta_error: { exit: EXIT.failure },
  meta_unreachable: {
    exit: EXIT.unavailable,
    fix: 'check the network (or IGTOKEN_META_EMULATOR_URL) and try again',
  },
  rate_limited: { exit: EXIT.unavailable, fix: 'wait and run the command again' },
  busy: {
    exit: EXIT.unavailable,
    fix: 'another process holds the database; run the command again in a moment',
  },
  internal: { exit: EXIT.failure },
}

/** Exit code of each store error code. */
const STORE_EXIT: Readonly<Record<StoreErrorCode, ExitCode>> = {
  IGB_STORE_URL_UNSUPPORTED: EXIT.usage,
  IGB_MIGRATION_FAILED: EXIT.failure,
  IGB_KEYRING_INVALID: EXIT.usage,
  IGB_KEY_MISSING: EXIT.failure,
  IGB_DECRYPT_FAILED: EXIT.failure,
  IGB_STORE_BUSY: EXIT.unavailable,
}

/**
 * Any thrown value as the CLI reports it: the one mapper from the domain's, the store's, the
 * start-up's and the configuration's errors to exit codes and `fix:` lines.
 */
export function cliFailureOf(error: unknown): CliFailure {
  if (error instanceof CliError) {
    return { exit: error.exitCode, code: error.code, message: error.message, fix: error.fix }
  }
  // Told apart by name and read by field, so that printing help loads none of config.js (zod),
  // the store or the broker.
  const named = error as Partial<{ name: string; code: string; fix: string; hint: string }>
  if (error instanceof Error && named.name === 'StartupError') {
    const code = named.code as StartupErrorCode
    // A busy port may free itself: "try again" (3), as docs/cli.md's table says; the rest is 2.
    const exit = code === 'port_busy' ? EXIT.unavailable : EXIT.usage
    return { exit, code, message: error.message, fix: named.fix }
  }
  if (error instanceof Error && named.name === 'ServiceError') {
    const code = named.code as ServiceErrorCode
    const mapped = SERVICE_FAILURES[code]
    return { exit: mapped.exit, code, message: error.message, fix: named.hint ?? mapped.fix }
  }
  if (error instanceof Error && named.name === 'StoreError') {
    const code = named.code as StoreErrorCode
    return { exit: STORE_EXIT[code], code, message: error.message, fix: undefined }
  }
  if (error instanceof Error && error.name === 'ConfigError') {
    const variable = (error as Error & { variable?: string }).variable
    return {
      exit: EXIT.usage,
      code: 'configuration',
      message: `configuration: ${error.message}`,
      fix: variable === undefined ? undefined : `correct ${variable} (docs/configuration.md)`,
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { exit: EXIT.failure, code: 'failed', message, fix: undefined }
}
