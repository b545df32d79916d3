import { createHash } from 'node:crypto'

import { BrokerError, verifySignedRequest } from '../meta/index.js'
import { findSeenSignedRequest, rememberSignedRequest } from '../store/index.js'
import type { SeenSignedRequestRow } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { disconnectAccount } from './disconnect-account.js'
import type { Disconnected } from './disconnect-account.js'
import { ServiceError } from './service-error.js'

// Meta signs a callback when it sends it; an hour covers its retries without accepting old replays.
const MAX_SIGNED_REQUEST_AGE_SECONDS = 3600
// Clocks drift, but not by more than this: a request "issued" later is forged or misdated.
const MAX_CLOCK_SKEW_MS = 5 * 60_000

type CallbackKind = 'deauthorize' | 'data_deletion'

interface VerifiedCallback {
  readonly metaUserId: string
  /** Epoch ms. */
  readonly issuedAt: number
  /** Epoch ms until which the request would verify, so until which a replay must be caught. */
  readonly validUntil: number
  /** The replay memory's key: the kind and the decoded signature, hashed. */
  readonly key: string
}

function refused(reason: string): ServiceError {
  return new ServiceError('signed_request_invalid', `"signed_request" was refused: ${reason}`)
}

function verify(ctx: BrokerContext, kind: CallbackKind, signedRequest: unknown): VerifiedCallback {
  if (typeof signedRequest !== 'string' || signedRequest === '') {
    throw new ServiceError('signed_request_invalid', 'the form field "signed_request" is missing')
  }
  let payload
  try {
    payload = verifySignedRequest(signedRequest, [...ctx.callbackSecrets], {
      maxAgeSeconds: MAX_SIGNED_REQUEST_AGE_SECONDS,
      now: ctx.now,
    })
  } catch (error) {
    if (error instanceof BrokerError) throw refused(error.message)
    throw error
  }
  const now = ctx.now()
  const issuedAt = payload.issued_at * 1000
  if (issuedAt > now + MAX_CLOCK_SKEW_MS) throw refused('"issued_at" is in the future')
  const expires = payload.expires === undefined ? undefined : payload.expires * 1000
  if (expires !== undefined && expires <= now) throw refused('it has expired ("expires")')
  const validUntil = Math.min(issuedAt + MAX_SIGNED_REQUEST_AGE_SECONDS * 1000, expires ?? Infinity)
  // Verified above, so the signature part decodes: padded, standard-base64 and base64url
  // spellings of one signature give the same bytes, hence the same key.
  const encodedSig = signedRequest.slice(0, signedRequest.indexOf('.'))
  const sig = Buffer.from(
    encodedSig.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
    'base64url',
  )
  const key = createHash('sha256').update(`${kind}:`).update(sig).digest('hex')
  return { metaUserId: payload.user_id, issuedAt, validUntil, key }
}

/** Thrown inside the transaction when a concurrent copy of the request was remembered first. */
class AlreadySeen extends Error {}

/**
 * Runs a verified callback once: a replay within its validity window changes nothing and gets the
 * first answer; a request issued before the account's current connection leaves that connection
 * alone (through {@link disconnectAccount}'s `issuedAt`).
 */
async function once(
  ctx: BrokerContext,
  kind: CallbackKind,
  signedRequest: unknown,
): Promise<SeenSignedRequestRow | Disconnected> {
  const callback = verify(ctx, kind, signedRequest)
  const seen = await findSeenSignedRequest(ctx.store, callback.key, ctx.now())
  if (seen !== undefined) return seen
  try {
    return await disconnectAccount(ctx, { metaUserId: callback.metaUserId }, kind, {
      issuedAt: callback.issuedAt,
      within: async (unit, done) => {
        const remembered = await rememberSignedRequest(unit.store, {
          key: callback.key,
          kind,
          confirmationCode: done.deletion?.confirmationCode ?? null,
          accounts: done.accounts.length,
          now: ctx.now(),
          expiresAt: callback.validUntil,
        })
        if (!remembered) throw new AlreadySeen()
      },
    })
  } catch (error) {
    if (!(error instanceof AlreadySeen)) throw error
    const first = await findSeenSignedRequest(ctx.store, callback.key, ctx.now())
    if (first === undefined) throw new ServiceError('internal', 'the callback was not remembered')
    return first
  }
}

/**
 * Meta's deauthorize callback: the person removed the app. Their account is revoked (tokens and
 * feeds deleted, the row kept so operators see what happened) through {@link disconnectAccount}.
 * A replay, or a request issued before the account's current connection, revokes nothing.
 *
 * @returns how many accounts were revoked (0 for an unknown user: still a success)
 * @throws {ServiceError} `signed_request_invalid` (bad signature, too old, `issued_at` more than
 *   five minutes ahead, past `expires`); nothing changes
 */
export async function handleDeauthorize(
  ctx: BrokerContext,
  signedRequest: unknown,
): Promise<number> {
  const done = await once(ctx, 'deauthorize', signedRequest)
  return 'feedIds' in done ? done.accounts.length : 0
}

/** What Meta must receive from the data-deletion callback. */
export interface DeletionReply {
  readonly url: string
  readonly confirmation_code: string
}

/**
 * Meta's data-deletion callback: every row about the person goes and a deletion request is
 * recorded, whose status page the reply points to (through {@link disconnectAccount}). A replay
 * answers the first request's confirmation code and records nothing; a request issued before the
 * account's current connection records a request that deleted nothing. An unknown user still gets
 * a valid reply.
 *
 * @throws {ServiceError} `signed_request_invalid`; nothing changes
 */
export async function handleDataDeletion(
  ctx: BrokerContext,
  signedRequest: unknown,
): Promise<DeletionReply> {
  const done = await once(ctx, 'data_deletion', signedRequest)
  const code = 'feedIds' in done ? done.deletion?.confirmationCode : done.confirmation_code
  if (code === undefined || code === null) {
    throw new ServiceError('internal', 'the deletion was not recorded')
  }
  return { url: `${ctx.publicUrl}/meta/data-deletion/${code}`, confirmation_code: code }
}
