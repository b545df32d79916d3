import { BrokerError, MetaApiError } from '../meta/index.js'

// How a failed refresh is remembered: the code stored on the token row, and the error rebuilt
// from it when another holder of the lease (or an expiry) reports the failure.

/**
 * The stored code of a failed refresh: `meta_<code>` for Meta's answers, the broker code
 * (`IGB_TIMEOUT`, …) for ours, `internal` otherwise.
 */
export function refreshErrorCode(error: unknown): string {
  if (error instanceof MetaApiError) return `meta_${error.code ?? error.status}`
  if (error instanceof BrokerError) return error.code
  return 'internal'
}

/** A failure reported by another holder of the lease (or an expiry), rebuilt from what is stored. */
export class BrokerErrorLike extends Error {
  override name = 'RefreshFailure'
  /** The stored error code (`meta_2`, `IGB_TIMEOUT`, …). */
  readonly code: string
  /**
   * @param code - stored error code
   * @param message - stored (redacted) message
   */
  constructor(code: string | null, message: string | null) {
    super(message ?? 'the refresh failed')
    this.code = code ?? 'unknown'
  }
}
