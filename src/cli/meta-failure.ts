import { metaFailure as translate } from '../broker/meta-failure.js'
import type { MetaFailureContext } from '../broker/meta-failure.js'
import { EXIT } from './exit-codes.js'
import type { ExitCode } from './exit-codes.js'
import { isCliErrorCode } from './errors.js'
import { CliError } from './output.js'

// Cases worth retrying unchanged; the rest need the fix first.
const UNAVAILABLE = new Set(['meta_unreachable', 'retry_later'])

/**
 * A failed call to Meta as a {@link CliError}: the broker's one translation
 * ({@link translate | metaFailure}), its hint as the fix line and its reason as the `--json` code.
 * Until the CLI's own error mapper exists this is the CLI's edge for Meta failures.
 */
export function metaFailure(error: unknown, context: MetaFailureContext = {}): CliError {
  if (error instanceof CliError) return error
  const failure = translate(error, context)
  const reason = failure.reason ?? failure.code
  let exit: ExitCode = EXIT.failure
  if (UNAVAILABLE.has(reason)) exit = EXIT.unavailable
  else if (reason === 'invalid_argument') exit = EXIT.usage
  const message =
    failure.code === 'internal' && failure.cause instanceof Error
      ? failure.cause.message
      : failure.message
  return new CliError(message, {
    exit,
    code: isCliErrorCode(reason) ? reason : 'meta_refused',
    ...(failure.hint === undefined ? {} : { fix: failure.hint }),
  })
}
