import { ChangeHub } from '../../broker/effects/change-hub.js'
import { revokeApiKey } from '../../broker/revoke-api-key.js'
import { createApiKey, listApiKeys } from '../../broker/read/api-keys.js'
import { EXIT } from '../exit-codes.js'
import { openConfiguredStore } from '../open-store.js'
import { printJson } from '../output.js'

/** `igtoken keys create --name NAME [--json]`: the key is printed once and never stored. */
export async function keysCreateCommand(opts: { name: string; json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const created = await createApiKey({ store }, { name: opts.name, now: Date.now() })
    if (opts.json === true) printJson({ id: created.id, key: created.key })
    else {
      process.stdout.write(`${created.key}\n`)
      process.stderr.write(
        `API key ${created.id} created for "${opts.name}". It is shown only this once: store it now.\n`,
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
    const keys = await listApiKeys({ store })
    const rows = keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.key_prefix,
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
          `${r.id}  ${r.prefix}…  ${r.name}  ${state}  last used ${r.last_used_at ?? 'never'}\n`,
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
