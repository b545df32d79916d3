import { ServiceError } from '../../broker/service-error.js'
import { addWebhookSubscriber } from '../../broker/webhooks/add-subscriber.js'
import { DestinationAllowList } from '../../broker/webhooks/destination.js'
import { webhookSubscriberView } from '../../server/routes/webhooks.js'
import { WEBHOOK_EVENT_TYPES } from '../../broker/webhooks/webhook-events.js'
import { listWebhookSubscribers, removeWebhookSubscriber } from '../../broker/read/webhooks.js'
import { EXIT } from '../exit-codes.js'
import { openCliRuntime, openConfiguredStore } from '../open-store.js'
import { printJson } from '../output.js'

function usage(message: string): void {
  process.stderr.write(`igtoken: ${message}\n`)
  process.exitCode = EXIT.usage
}

// C0 and C1 controls and DEL (ESC starts terminal escapes): shown as \u001b, never sent raw.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/** A stored value made safe to print on a terminal (rows written before URLs were normalised). */
function printable(value: string): string {
  return value.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').trim()
}

/**
 * `igtoken webhooks add URL --secret SECRET|- [--events a,b] [--json]`: every check runs before
 * anything is written.
 */
export async function webhooksAddCommand(
  url: string,
  opts: { secret?: string; events?: string; json?: boolean },
): Promise<void> {
  if (opts.secret === undefined) {
    usage(
      '--secret is required: 16 to 512 characters the receiver uses to verify signatures ("-" reads it from stdin)',
    )
    return
  }
  const secret = opts.secret === '-' ? await readStdin() : opts.secret
  if (secret.length < 16 || secret.length > 512) {
    usage('--secret must be 16 to 512 characters')
    return
  }
  const events = (opts.events ?? '*')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  const unknown = events.filter(
    (e) => e !== '*' && !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e),
  )
  if (events.length === 0 || unknown.length > 0) {
    usage(`--events must be "*" or a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(', ')}`)
    return
  }
  const runtime = await openCliRuntime()
  const { config, store, keyring } = runtime
  try {
    let row
    try {
      row = await addWebhookSubscriber(
        {
          store,
          keyring,
          publicUrl: config.publicUrl,
          allow: new DestinationAllowList(config.webhooks.allowHosts),
          now: Date.now,
        },
        { url, secret, events },
      )
    } catch (error) {
      if (!(error instanceof ServiceError) || error.code !== 'invalid_request') throw error
      usage(printable(error.message))
      return
    }
    const view = webhookSubscriberView(row)
    if (opts.json === true) printJson(view)
    else {
      process.stdout.write(`added ${view.id} → ${printable(view.url)} (${view.events.join(',')})\n`)
    }
  } finally {
    await runtime.close()
  }
}

/** `igtoken webhooks list [--json]`: never the secrets. */
export async function webhooksListCommand(opts: { json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const rows = (await listWebhookSubscribers({ store })).map(webhookSubscriberView)
    if (opts.json === true) printJson(rows)
    else if (rows.length === 0) process.stdout.write('no webhook subscribers\n')
    else {
      for (const r of rows) {
        process.stdout.write(`${r.id}  ${printable(r.url)}  ${r.events.join(',')}\n`)
      }
    }
  } finally {
    await store.close()
  }
}

/** `igtoken webhooks remove ID`. */
export async function webhooksRemoveCommand(id: string, opts: { json?: boolean }): Promise<void> {
  const { store } = await openConfiguredStore()
  try {
    const removed = await removeWebhookSubscriber({ store }, id)
    if (opts.json === true) printJson({ id, removed })
    else if (removed) process.stdout.write(`removed ${id}\n`)
    else process.stderr.write(`igtoken: no webhook subscriber has id ${id}\n`)
    if (!removed) process.exitCode = EXIT.failure
  } finally {
    await store.close()
  }
}
