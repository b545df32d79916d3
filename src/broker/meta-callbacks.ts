import { BrokerError, verifySignedRequest } from '../meta/index.js'
import type { BrokerContext } from './context.js'
import { disconnectAccount } from './disconnect-account.js'
import { ServiceError } from './service-error.js'

// Meta signs a callback when it sends it; an hour covers its retries without accepting old replays.
const MAX_SIGNED_REQUEST_AGE_SECONDS = 3600

function verify(ctx: BrokerContext, signedRequest: unknown): string {
  if (typeof signedRequest !== 'string' || signedRequest === '') {
    throw new ServiceError('signed_request_invalid', 'the form field "signed_request" is missing')
  }
  try {
    const payload = verifySignedRequest(signedRequest, [...ctx.callbackSecrets], {
      maxAgeSeconds: MAX_SIGNED_REQUEST_AGE_SECONDS,
      now: ctx.now,
    })
    return payload.user_id
  } catch (error) {
    if (error instanceof BrokerError) {
      throw new ServiceError(
        'signed_request_invalid',
        `"signed_request" was refused: ${error.message}`,
      )
    }
    throw error
  }
}

/**
 * Meta's deauthorize callback: the person removed the app. Their account is revoked (tokens and
 * feeds deleted, the row kept so operators see what happened) through {@link disconnectAccount}.
 *
 * @returns how many accounts were revoked (0 for an unknown user: still a success)
 * @throws {ServiceError} `signed_request_invalid`; nothing changes
 */
export async function handleDeauthorize(
  ctx: BrokerContext,
  signedRequest: unknown,
): Promise<number> {
  const metaUserId = verify(ctx, signedRequest)
  const done = await disconnectAccount(ctx, { metaUserId }, 'deauthorize')
  return done.accounts.length
}

/** What Meta must receive from the data-deletion callback. */
export interface DeletionReply {
  readonly url: string
  readonly confirmation_code: string
}

/**
 * Meta's data-deletion callback: every row about the person goes and a deletion request is
 * recorded, whose status page the reply points to (through {@link disconnectAccount}). Safe to
 * repeat; an unknown user still gets a valid reply.
 *
 * @throws {ServiceError} `signed_request_invalid`; nothing changes
 */
export async function handleDataDeletion(
  ctx: BrokerContext,
  signedRequest: unknown,
): Promise<DeletionReply> {
  const metaUserId = verify(ctx, signedRequest)
  const done = await disconnectAccount(ctx, { metaUserId }, 'data_deletion')
  const code = done.deletion?.confirmationCode
  if (code === undefined) throw new ServiceError('internal', 'the deletion was not recorded')
  return { url: `${ctx.publicUrl}/meta/data-deletion/${code}`, confirmation_code: code }
}
