import { accountView } from '../../broker/account-view.js'
import type { AccountView } from '../../broker/account-view.js'
import { disconnectAccount } from '../../broker/disconnect-account.js'
import { ChangeHub } from '../../broker/effects/index.js'
import { ServiceError } from '../../broker/service-error.js'
import { SERVED_TOKEN_KIND } from '../../broker/token-kinds.js'
import { FLAVOR_NAMES } from '../../meta/index.js'
import type { StoreContext } from '../../app/operations.js'
import { getAccount, getToken, listAccounts } from '../../broker/read/accounts.js'
import { ACCOUNT_STATUSES } from '../../broker/types.js'
import type { AccountRow, AccountStatus } from '../../broker/types.js'
import { EXIT } from '../exit-codes.js'
import { openBrokerContext, openConfiguredStore } from '../open-store.js'
import { CliError, printJson, say } from '../output.js'
import { createProgressBar, stopOnInterrupt } from '../progress.js'
import { paintFor, relativeTime } from '../terminal.js'

async function viewOf(store: StoreContext, account: AccountRow): Promise<AccountView> {
  const flavor = FLAVOR_NAMES.find((f) => f === account.flavor)
  const token =
    flavor === undefined
      ? undefined
      : await getToken({ store }, account.id, SERVED_TOKEN_KIND[flavor])
  return accountView(account, token)
}

async function allAccounts(store: StoreContext, status?: AccountStatus): Promise<AccountRow[]> {
  const out: AccountRow[] = []
  let cursor: string | undefined
  do {
    const page = await listAccounts(
      { store },
      {
        limit: 500,
        ...(status === undefined ? {} : { status }),
        ...(cursor === undefined ? {} : { cursor }),
      },
    )
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return out
}

function parseStatus(value: string | undefined): AccountStatus | undefined {
  if (value === undefined) return undefined
  const found = ACCOUNT_STATUSES.find((s) => s === value)
  if (found === undefined) {
    throw new CliError(`--status must be one of ${ACCOUNT_STATUSES.join(', ')}, got "${value}"`, {
      exit: EXIT.usage,
      code: 'bad_status',
    })
  }
  return found
}

/** `npx igtoken accounts list [--status S] [--json]`: never a token. */
export async function accountsListCommand(opts: {
  status?: string
  json?: boolean
}): Promise<void> {
  const status = parseStatus(opts.status)
  const { store } = await openConfiguredStore()
  try {
    const views = await Promise.all((await allAccounts(store, status)).map((a) => viewOf(store, a)))
    if (opts.json === true) {
      printJson(views)
      return
    }
    if (views.length === 0) {
      process.stdout.write('no accounts\n')
      return
    }
    const paint = paintFor(process.stdout)
    const now = Date.now()
    for (const v of views) {
      const state = v.status === 'active' ? paint.ok(v.status) : paint.fail(v.status)
      const expires =
        v.expires_at === null
          ? 'no expiry'
          : `expires ${relativeTime(Date.parse(v.expires_at), now)}`
      process.stdout.write(`${v.id}  @${v.username}  ${v.flavor}  ${state}  ${expires}\n`)
    }
  } finally {
    await store.close()
  }
}

/** `npx igtoken accounts show ID [--json]`. */
export async function accountsShowCommand(id: string, opts: { json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const account = await getAccount({ store }, id)
    if (account === undefined) throw notFound(id)
    const view = await viewOf(store, account)
    if (opts.json === true) {
      printJson(view)
      return
    }
    const rows: [string, string | null][] = [
      ['id', view.id],
      ['username', `@${view.username}`],
      ['user id', view.user_id],
      ['meta user id', view.meta_user_id],
      ['flavor', view.flavor],
      ['status', view.status + (view.status_reason === null ? '' : ` (${view.status_reason})`)],
      ['label', view.label],
      ['scopes', view.scopes.join(', ')],
      ['expires', view.expires_at],
      ['refreshed', view.refreshed_at],
      ['next refresh', view.next_refresh_at],
      ['last error', view.last_error],
      ['connected', view.connected_at],
      ['created', view.created_at],
    ]
    for (const [name, value] of rows) {
      process.stdout.write(`${`${name}:`.padEnd(14)}${value ?? '-'}\n`)
    }
  } finally {
    await store.close()
  }
}

function notFound(id: string): CliError {
  return new CliError(`no account has id ${id}`, {
    code: 'not_found',
    fix: 'list them with npx igtoken accounts list',
  })
}

/** One account's refresh outcome. */
interface RefreshRow {
  readonly id: string
  readonly ok: boolean
  readonly expires_at: string | null
  readonly error: string | null
  readonly code: string | null
}

/**
 * `npx igtoken accounts refresh ID… | --all`: refreshes through the broker's TokenService (the same
 * path as the API), one account at a time with a progress bar. Ctrl-C stops after the account in
 * hand; every finished refresh is already saved.
 */
export async function accountsRefreshCommand(
  ids: readonly string[],
  opts: { all?: boolean; json?: boolean },
): Promise<void> {
  if (ids.length === 0 && opts.all !== true) {
    throw new CliError('name the accounts to refresh, or pass --all', {
      exit: EXIT.usage,
      code: 'no_accounts',
      fix: 'npx igtoken accounts refresh acc_… or npx igtoken accounts refresh --all',
    })
  }
  if (ids.length > 0 && opts.all === true) {
    throw new CliError('give account ids or --all, not both', { exit: EXIT.usage, code: 'usage' })
  }
  const { store, ctx } = await openBrokerContext()
  const { TokenService } = await import('../../broker/token-service.js')
  const tokens = new TokenService(ctx, { cacheMs: 0 })
  const interrupt = stopOnInterrupt(
    'stopping after the account in hand (Ctrl-C again to quit at once)…',
  )
  try {
    const targets =
      opts.all === true ? (await allAccounts(store, 'active')).map((a) => a.id) : [...ids]
    const bar = createProgressBar({
      total: targets.length,
      label: 'refreshing',
      enabled: process.stderr.isTTY && opts.json !== true,
    })
    const results: RefreshRow[] = []
    for (const id of targets) {
      if (interrupt.signal.aborted) break
      bar.update(results.length, id)
      try {
        const served = await tokens.refresh(id, 'operator')
        results.push({
          id,
          ok: true,
          expires_at: served.expiresAt === null ? null : new Date(served.expiresAt).toISOString(),
          error: null,
          code: null,
        })
      } catch (error) {
        results.push({
          id,
          ok: false,
          expires_at: null,
          error: error instanceof Error ? error.message : String(error),
          code: error instanceof ServiceError ? error.code : 'internal',
        })
      }
      bar.update(results.length, id)
    }
    bar.finish()
    const stopped = results.length < targets.length
    const failed = results.filter((r) => !r.ok)
    if (opts.json === true) {
      printJson({
        refreshed: results.length - failed.length,
        failed: failed.length,
        stopped,
        results,
      })
    } else {
      const paint = paintFor(process.stdout)
      for (const r of results) {
        process.stdout.write(
          r.ok
            ? `${paint.ok('refreshed')} ${r.id}: expires ${r.expires_at ?? 'never'}\n`
            : `${paint.fail('failed')}    ${r.id}: ${r.error ?? ''}\n`,
        )
      }
      say(
        `${results.length - failed.length} refreshed, ${failed.length} failed${stopped ? `, ${targets.length - results.length} not started (interrupted; run again to continue)` : ''}`,
      )
    }
    if (stopped) process.exitCode = EXIT.interrupted
    else if (failed.length > 0) process.exitCode = EXIT.failure
  } finally {
    interrupt.dispose()
    await store.close()
  }
}

/**
 * `npx igtoken accounts delete ID [--yes]`: removes the account and its tokens (events stay). Asks
 * first on a terminal; scripts must pass `--yes`.
 */
export async function accountsDeleteCommand(
  id: string,
  opts: { yes?: boolean; json?: boolean },
): Promise<void> {
  const { config, store } = await openConfiguredStore()
  try {
    const account = await getAccount({ store }, id)
    if (account === undefined) throw notFound(id)
    if (opts.yes !== true) {
      if (!process.stdin.isTTY) {
        throw new CliError('deleting needs confirmation', {
          exit: EXIT.usage,
          code: 'confirm',
          fix: `run again with --yes to delete ${id} (@${account.username})`,
        })
      }
      const prompts = await import('@clack/prompts')
      const answer = await prompts.confirm({
        message: `Delete ${id} (@${account.username}) and its tokens? Apps reading it will get 404.`,
        initialValue: false,
      })
      if (prompts.isCancel(answer) || !answer) {
        throw new CliError('not deleted', { exit: EXIT.interrupted, code: 'cancelled' })
      }
    }
    // This process has no caches; a running service learns of it through the store.
    await disconnectAccount(
      { store, changes: new ChangeHub(), now: Date.now, flavor: config.flavor },
      { accountId: id },
      'cli',
    )
    if (opts.json === true) printJson({ id, deleted: true })
    else process.stdout.write(`deleted ${id} (@${account.username})\n`)
  } finally {
    await store.close()
  }
}
