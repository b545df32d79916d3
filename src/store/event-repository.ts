import type { StoreContext } from './database.js'
import { newId } from './ids.js'
import { checkInstant, decodeCursor, encodeCursor, pageLimit } from './paging.js'
import type { Page } from './paging.js'
import { looksSecret } from './redact.js'
import { invalidArgument } from './store-error.js'
import type { EventRow } from './tables/events.table.js'

/**
 * Every event igtoken records: the event log, the webhook catalogue (`src/broker/effects`) and
 * `docs/webhooks.md` use this one list (a test keeps them equal); {@link appendEvent} refuses
 * any other type. Every event is also deliverable as a webhook.
 */
export const EVENT_TYPES = [
  'account.connected',
  'account.needs_reauth',
  'account.revoked',
  'account.deleted',
  'account.expired',
  'token.refreshed',
  'token.refresh_failed',
  'token.expiring',
] as const

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number]

/** Structured event detail: flat, primitive values only, never a token. */
export type EventDetail = Readonly<Record<string, string | number | boolean | null>>

/** An event to append. */
export interface AppendEventInput {
  readonly type: EventType
  readonly accountId?: string | null
  readonly metaUserId?: string | null
  readonly detail?: EventDetail
  /** Epoch ms. */
  readonly now: number
}

/** A stored event with its detail parsed. */
export interface EventRecord {
  readonly id: string
  readonly accountId: string | null
  readonly metaUserId: string | null
  readonly type: string
  readonly detail: EventDetail
  readonly createdAt: number
}

// Keys that can only ever hold a secret. Values are also screened with looksSecret().
const FORBIDDEN_KEYS = new Set([
  'access_token',
  'accesstoken',
  'token',
  'refresh_token',
  'client_secret',
  'app_secret',
  'secret',
  'code',
  'authorization_code',
  'signed_request',
  'password',
  'api_key',
  'key',
  'state',
])

/**
 * Screens flat facts the way event details are screened (plain keys, primitive values, nothing
 * secret-looking), for anything else stored beside events, such as a connect link's metadata.
 * @param name - what the facts are called in a refusal (`detail`, `metadata`)
 * @returns the facts as JSON
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) naming the first refused key
 */
export function checkEventDetail(detail: EventDetail, name = 'detail'): string {
  if (typeof detail !== 'object' || Array.isArray(detail)) {
    throw invalidArgument(`"${name}" must be a flat object`)
  }
  for (const [key, value] of Object.entries(detail)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key)) {
      throw invalidArgument(`"${name}" key ${JSON.stringify(key.slice(0, 64))} is not a plain name`)
    }
    if (FORBIDDEN_KEYS.has(key.toLowerCase())) {
      throw invalidArgument(`"${name}.${key}" may hold a secret; events never store secrets`)
    }
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw invalidArgument(`"${name}.${key}" must be a string, number, boolean or null`)
    }
    if (typeof value === 'string' && (value.length > 1000 || looksSecret(value))) {
      throw invalidArgument(
        `"${name}.${key}" looks like it contains a token or secret (or is over 1000 characters); pass redacted, structured values`,
      )
    }
  }
  return JSON.stringify(detail)
}

function toRecord(row: EventRow): EventRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    metaUserId: row.meta_user_id,
    type: row.type,
    detail: JSON.parse(row.detail) as EventDetail,
    createdAt: row.created_at,
  }
}

/**
 * Appends an event.
 * @returns the stored event
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) when the type is malformed or the detail has a
 *   secret-looking key or value; nothing is written
 */
export async function appendEvent(
  store: StoreContext,
  input: AppendEventInput,
): Promise<EventRecord> {
  if (typeof input.type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(input.type)) {
    throw invalidArgument(`"type" must be one of ${EVENT_TYPES.join(', ')}`)
  }
  const detail = checkEventDetail(input.detail ?? {})
  const row = await store.db
    .insertInto('events')
    .values({
      id: newId('evt'),
      account_id: input.accountId ?? null,
      meta_user_id: input.metaUserId ?? null,
      type: input.type,
      detail,
      created_at: checkInstant('now', input.now),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toRecord(row)
}

/**
 * Lists an account's events, newest first, with cursor paging.
 * @param opts - `limit` (1–500, default 50) and `cursor` (a previous page's `nextCursor`)
 */
export async function listEventsByAccount(
  store: StoreContext,
  accountId: string,
  opts: { readonly limit?: number; readonly cursor?: string } = {},
): Promise<Page<EventRecord>> {
  const limit = pageLimit(opts.limit)
  const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor)
  let query = store.db.selectFrom('events').selectAll().where('account_id', '=', accountId)
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    )
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()
  const items = rows.slice(0, limit).map(toRecord)
  const last = items.at(-1)
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor({ createdAt: last.createdAt, id: last.id }) }
    : { items }
}
