import { ChangeHub } from '../../broker/effects/change-hub.js'
import { revokeApiKey } from '../../broker/revoke-api-key.js'
import { createScopedApiKey, listApiKeyListings } from '../../broker/api-keys.js'
import { EXIT } from '../exit-codes.js'
import { openConfiguredStore } from '../open-store.js'
import { printJson } from '../output.js'

/**
 * `igtoken keys create --name NAME [--scope S]… [--json]`: the key is printed once and never
 * stored. Without `--scope` the key gets every scope, as keys made before scopes existed.
 */
export async function keysCreateCommand(opts: {
  name: string
  scope?: string[]
  json?: boolean
}): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const scopes = opts.scope?.map((s) => s.trim()).filter((s) => s !== '')
    const created = await createScopedApiKey(
      { store, now: Date.now },
      { name: opts.name, ...(scopes === undefined ? {} : { scopes }) },
    )
    if (opts.json === true) printJson({ id: created.id, key: created.key, scopes: created.scopes })
    else {
      process.stdout.write(`${created.key}\n`)
      process.stderr.write(
        `API key ${created.id} created for "${opts.name}" with ${created.scopes.join(', ')}. It is shown only this once: store it now.\n`,
      )
    }
  } finally {
    await store.close()
  }
}

/** `igtoken keys list [--json]`. */
export async function keysListCommand(opts: { json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const keys = await listApiKeyListings({ store })
    const rows = keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.key_prefix,
      scopes: k.scopes,
      created_at: new Date(k.created_at).toISOString(),
      last_used_at: k.last_used_at === null ? null : new Date(k.last_used_at).toISOString(),
      revoked_at: k.revoked_at === null ? null : new Date(k.revoked_at).toISOString(),
    }))
    if (opts.json === true) printJson(rows)
    else if (rows.length === 0) process.stdout.write('no API keys\n')
    else {
      for (const r of rows) {
        const state = r.revoked_at === null ? 'active' : `revoked ${r.revoked_at}`
        process.stdout.write(
          `${r.id}  ${r.prefix}…  ${r.name}  ${r.scopes.join(',')}  ${state}  last used ${r.last_used_at ?? 'never'}\n`,
        )
      }
    }
  } finally {
    await store.close()
  }
}

/** `igtoken keys revoke ID`. */
export async function keysRevokeCommand(id: string, opts: { json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    // A running service refuses the key within a second (its change watcher hears of it).
    const revoked = await revokeApiKey({ store, changes: new ChangeHub(), now: Date.now }, id)
    if (opts.json === true) printJson({ id, revoked })
    else process.stdout.write(revoked ? `revoked ${id}\n` : `no active API key has id ${id}\n`)
    if (!revoked) process.exitCode = EXIT.failure
  } finally {
    await store.close()
  }
}
