import { BrokerError, MetaApiError } from '../meta/index.js'
import { EXIT } from './exit-codes.js'
import { CliError } from './output.js'

/**
 * A failed call to Meta as a {@link CliError} with what to do. The library's messages are already
 * scrubbed of tokens and secrets.
 */
export function metaFailure(error: unknown): CliError {
  if (error instanceof CliError) return error
  if (error instanceof MetaApiError) {
    if (error.action === 'reauthorize') {
      return new CliError(`Meta no longer accepts this token: ${error.message}`, {
        code: 'token_dead',
        fix: 'get a new one with igtoken login',
      })
    }
    if (/too new|at least 24 hours/i.test(error.message)) {
      return new CliError(`Meta refused: ${error.message}`, {
        code: 'too_early',
        fix: 'Meta refreshes a token once it is 24 hours old: run igtoken refresh again later; nothing was changed',
      })
    }
    if (error.action === 'retry-later') {
      const wait =
        error.retryAfterMs === null ? '' : ` (about ${Math.ceil(error.retryAfterMs / 1000)} s)`
      return new CliError(`Meta asked to retry later: ${error.message}`, {
        exit: EXIT.unavailable,
        code: 'retry_later',
        fix: `wait${wait} and run the command again`,
      })
    }
    return new CliError(`Meta refused the call: ${error.message}`, {
      code: 'meta_refused',
      ...(error.hint === null ? {} : { fix: error.hint }),
    })
  }
  if (error instanceof BrokerError) {
    if (error.code === 'IGB_TIMEOUT' || error.code === 'IGB_NETWORK') {
      return new CliError(`Meta could not be reached: ${error.message}`, {
        exit: EXIT.unavailable,
        code: 'meta_unreachable',
        fix: 'check the network (or IGTOKEN_META_EMULATOR_URL) and try again',
      })
    }
    if (error.code === 'IGB_REFRESH_TOO_EARLY') {
      const at =
        error.retryAfterMs === undefined
          ? ''
          : ` after ${new Date(Date.now() + error.retryAfterMs).toISOString()}`
      return new CliError(error.message, {
        code: 'too_early',
        fix: `run igtoken refresh again${at}; nothing was changed`,
      })
    }
    if (error.code === 'IGB_TOKEN_EXPIRED' || error.action === 'reauthorize') {
      return new CliError(error.message, {
        code: 'token_dead',
        fix: 'get a new one with igtoken login',
      })
    }
    return new CliError(error.message, { code: error.code })
  }
  if (
    error instanceof TypeError &&
    'code' in error &&
    String(error.code).startsWith('ERR_INVALID_ARG')
  ) {
    return new CliError(error.message, { exit: EXIT.usage, code: 'invalid_argument' })
  }
  return new CliError(error instanceof Error ? error.message : String(error))
}
