import { BrokerError, verifySignedRequest } from '../meta/index.js'
import {
  appendEvent,
  getAccount,
  createDeletionRequest,
  deleteEverythingAboutMetaUser,
  markDeletionCompleted,
} from '../store/index.js'
import type { BrokerContext } from './context.js'
import { ServiceError } from './service-error.js'
import { publishWebhookEvent } from './webhooks/webhook-publisher.js'

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
 * Meta's deauthorize callback: the person removed the app. Their tokens are deleted and their
 * accounts marked `revoked` (kept, so operators see what happened).
 *
 * @returns how many accounts were revoked (0 for an unknown user: still a success)
 * @throws {ServiceError} `signed_request_invalid`; nothing changes
 */
export async function handleDeauthorize(
  ctx: BrokerContext,
  signedRequest: unknown,
  onAccountsGone?: (accountIds: readonly string[]) => void,
): Promise<number> {
  const metaUserId = verify(ctx, signedRequest)
  const now = ctx.now()
  const revoked = await ctx.store.db.transaction().execute(async (trx) => {
    const accounts = await trx
      .selectFrom('accounts')
      .select('id')
      .where('meta_user_id', '=', metaUserId)
      .where('flavor', '=', ctx.flavor)
      .execute()
    const ids = accounts.map((a) => a.id)
    if (ids.length === 0) return []
    await trx.deleteFrom('tokens').where('account_id', 'in', ids).execute()
    await trx
      .updateTable('accounts')
      .set({ status: 'revoked', status_reason: 'the user removed the app', updated_at: now })
      .where('id', 'in', ids)
      .execute()
    for (const id of ids) {
      await appendEvent(
        { db: trx, dialect: ctx.store.dialect },
        { type: 'account.revoked', accountId: id, metaUserId, detail: { source: 'meta' }, now },
      )
    }
    return ids
  })
  for (const id of revoked) {
    const account = await getAccount(ctx.store, id)
    if (account !== undefined) {
      await publishWebhookEvent(ctx.store, {
        type: 'account.revoked',
        account,
        data: { source: 'meta' },
        now,
      })
    }
  }
  onAccountsGone?.(revoked)
  return revoked.length
}

/** What Meta must receive from the data-deletion callback. */
export interface DeletionReply {
  readonly url: string
  readonly confirmation_code: string
}

/**
 * Meta's data-deletion callback: every row about the person (accounts, tokens, events) is deleted
 * and a deletion request is recorded, whose status page the reply points to. Safe to repeat; an
 * unknown user still gets a valid reply.
 *
 * @throws {ServiceError} `signed_request_invalid`; nothing changes
 */
export async function handleDataDeletion(
  ctx: BrokerContext,
  signedRequest: unknown,
  onAccountsGone?: (accountIds: readonly string[]) => void,
): Promise<DeletionReply> {
  const metaUserId = verify(ctx, signedRequest)
  const request = await createDeletionRequest(ctx.store, {
    metaUserId,
    source: 'meta',
    now: ctx.now(),
  })
  // Read before deleting: the webhook names the accounts that are about to disappear.
  const doomed = await ctx.store.db
    .selectFrom('accounts')
    .selectAll()
    .where('meta_user_id', '=', metaUserId)
    .where('flavor', '=', ctx.flavor)
    .execute()
  const deleted = await deleteEverythingAboutMetaUser(ctx.store, metaUserId, { flavor: ctx.flavor })
  onAccountsGone?.(deleted.accountIds)
  for (const account of doomed) {
    await publishWebhookEvent(ctx.store, {
      type: 'account.deleted',
      account,
      data: { source: 'meta_data_deletion' },
      now: ctx.now(),
    })
  }
  await markDeletionCompleted(
    ctx.store,
    request.id,
    ctx.now(),
    `deleted ${deleted.accounts} account(s) and ${deleted.events} event(s)`,
  )
  return {
    url: `${ctx.publicUrl}/meta/data-deletion/${request.confirmation_code}`,
    confirmation_code: request.confirmation_code,
  }
}
