import { ChangeHub } from '../../broker/effects/change-hub.js'
import { unpublishFeed } from '../../broker/unpublish-feed.js'
import { getAccount, listAccounts } from '../../broker/read/accounts.js'
import { createFeed, listFeeds } from '../../broker/read/feeds.js'
import { EXIT } from '../exit-codes.js'
import { openConfiguredStore } from '../open-store.js'
import { CliError, printJson } from '../output.js'

/** `npx igtoken feeds add --account ID [--limit N] [--origin URL…] [--label TEXT] [--json]`. */
export async function feedsAddCommand(opts: {
  account: string
  limit?: string
  origin?: string[]
  label?: string
  json?: boolean
}): Promise<void> {
  const { config, store } = await openConfiguredStore()
  try {
    const account = await getAccount({ store }, opts.account)
    if (account === undefined) {
      throw new CliError(`no account has id ${opts.account}`, {
        code: 'not_found',
        fix: 'see the ids with "npx igtoken accounts list"',
      })
    }
    const limit = opts.limit === undefined ? config.feeds.defaultItems : Number(opts.limit)
    let feed
    try {
      feed = await createFeed(
        { store },
        {
          accountId: account.id,
          limit,
          allowedOrigins: opts.origin ?? [],
          label: opts.label ?? null,
          now: Date.now(),
        },
      )
    } catch (error) {
      if (error instanceof TypeError) {
        throw new CliError(error.message, { exit: EXIT.usage, code: 'invalid_request' })
      }
      throw error
    }
    const url = `${config.publicUrl}/feeds/${feed.id}.json`
    if (opts.json === true) {
      printJson({
        id: feed.id,
        url,
        account_id: feed.accountId,
        limit: feed.limit,
        allowed_origins: feed.allowedOrigins,
      })
    } else {
      process.stdout.write(`${url}\n`)
      process.stderr.write(
        `Feed of @${account.username} published (${String(feed.limit)} items; ${
          feed.allowedOrigins.length === 0
            ? 'no browser origin allowed'
            : `browsers on ${feed.allowedOrigins.join(', ')}`
        }).\n`,
      )
    }
  } finally {
    await store.close()
  }
}

/** `npx igtoken feeds list [--json]`. */
export async function feedsListCommand(opts: { json?: boolean }): Promise<void> {
  const { config, store } = await openConfiguredStore()
  try {
    const names = new Map(
      (await listAccounts({ store }, { limit: 500 })).items.map((a) => [a.id, a.username]),
    )
    const rows = (await listFeeds({ store })).map((f) => ({
      id: f.id,
      url: `${config.publicUrl}/feeds/${f.id}.json`,
      account_id: f.accountId,
      username: names.get(f.accountId) ?? null,
      limit: f.limit,
      allowed_origins: f.allowedOrigins,
      refreshed_at: f.snapshotAt === null ? null : new Date(f.snapshotAt).toISOString(),
      last_error: f.lastErrorCode,
    }))
    if (opts.json === true) printJson(rows)
    else if (rows.length === 0) process.stdout.write('no feeds\n')
    else {
      for (const r of rows) {
        process.stdout.write(
          `${r.id}  @${r.username ?? '?'}  ${String(r.limit)} items  ${r.url}  origins: ${
            r.allowed_origins.join(',') || 'none'
          }\n`,
        )
      }
    }
  } finally {
    await store.close()
  }
}

/** `npx igtoken feeds remove ID [--json]`: its URL answers 404 from then on. */
export async function feedsRemoveCommand(id: string, opts: { json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const removed = await unpublishFeed({ store, changes: new ChangeHub(), now: Date.now }, id)
    if (opts.json === true) printJson({ id, removed })
    else process.stdout.write(removed ? `removed ${id}\n` : `no feed has id ${id}\n`)
    if (!removed) process.exitCode = EXIT.failure
  } finally {
    await store.close()
  }
}
