import { splitScopes } from '../store/index.js'
import type { AccountRow, TokenRow } from '../store/index.js'

/** An account as the API shows it: never a token. Times are ISO 8601 (UTC), or null. */
export interface AccountView {
  readonly id: string
  readonly username: string
  readonly flavor: string
  readonly status: string
  readonly status_reason: string | null
  readonly label: string | null
  readonly scopes: string[]
  readonly user_id: string
  readonly meta_user_id: string
  readonly expires_at: string | null
  readonly refreshed_at: string | null
  readonly next_refresh_at: string | null
  readonly last_error: string | null
  readonly connected_at: string
  readonly created_at: string
}

/** Epoch ms → ISO 8601, keeping null. */
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString()
}

/** The public shape of an account and the token it is served with (if any). */
export function accountView(account: AccountRow, token: TokenRow | undefined): AccountView {
  return {
    id: account.id,
    username: account.username,
    flavor: account.flavor,
    status: account.status,
    status_reason: account.status_reason,
    label: account.label,
    scopes: splitScopes(account.scopes),
    user_id: account.ig_user_id ?? account.meta_user_id,
    meta_user_id: account.meta_user_id,
    expires_at: iso(token?.expires_at),
    refreshed_at: iso(token?.refreshed_at),
    next_refresh_at: iso(token?.next_refresh_at),
    last_error: token?.last_error_code ?? null,
    connected_at: new Date(account.connected_at).toISOString(),
    created_at: new Date(account.created_at).toISOString(),
  }
}
