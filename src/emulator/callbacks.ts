import { createHmac } from 'node:crypto'
import type { EmulatorContext } from './app.js'
import type { CallbackRecord, EmulatorState } from './state.js'
import type { EmulatorApp, FlavorName } from './types.js'

/**
 * Builds `base64url(HMAC-SHA256(secret, encodedPayload)) + "." + encodedPayload`, the format of
 * §4 (no padding; the HMAC runs over the encoded payload, not the JSON).
 */
export function signRequest(secret: string, payload: Record<string, unknown>): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const sig = createHmac('sha256', secret).update(encoded).digest('base64url')
  return `${sig}.${encoded}`
}

/** The secret that signs callbacks of a flavor (configurable: unconfirmed for IG flavors). */
export function callbackSecretFor(
  state: EmulatorState,
  app: EmulatorApp,
  flavor: FlavorName,
): string {
  const which = state.config.callbackSecret ?? (flavor === 'facebook-login' ? 'meta' : 'instagram')
  return which === 'meta' ? app.metaAppSecret : app.instagramAppSecret
}

function resolve(
  state: EmulatorState,
  userId: string,
  appId: string,
): { app: EmulatorApp; flavors: FlavorName[] } {
  const app = state.findApp(appId)
  if (!app) throw new TypeError(`no app with id "${appId}"`)
  if (!state.users.has(userId)) throw new TypeError(`no user with id "${userId}"`)
  const flavors = [...(state.grants.get(`${app.metaAppId}:${userId}`) ?? [])]
  return { app, flavors }
}

async function deliver(
  ctx: EmulatorContext,
  kind: CallbackRecord['kind'],
  app: EmulatorApp,
  userId: string,
  flavor: FlavorName,
  url: string,
): Promise<CallbackRecord> {
  const { state } = ctx
  const issuedAt = Math.floor(state.now() / 1000)
  const appScopedId = state.appScopedId(app, flavor, userId)
  const payload: Record<string, unknown> = {
    algorithm: 'HMAC-SHA256',
    issued_at: issuedAt,
    user_id: appScopedId,
  }
  // The documented deletion sample carries `expires`; deauthorize payloads are not known to.
  if (kind === 'data-deletion') payload['expires'] = issuedAt + 3600
  const record: CallbackRecord = {
    kind,
    url,
    appId: app.metaAppId,
    userId,
    appScopedId,
    flavor,
    time: new Date(state.now()).toISOString(),
  }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        signed_request: signRequest(callbackSecretFor(state, app, flavor), payload),
      }).toString(),
      signal: AbortSignal.timeout(state.config.callbackTimeoutMs),
      redirect: 'manual',
    })
    record.status = res.status
    const text = (await res.text()).slice(0, 10_000)
    if (kind === 'data-deletion') {
      let reply: unknown
      try {
        reply = JSON.parse(text)
      } catch {
        reply = text
      }
      record.reply = reply
      record.verdict = deletionVerdict(res.status, reply)
    }
  } catch (err) {
    record.error = err instanceof Error ? err.message : String(err)
    if (kind === 'data-deletion') record.verdict = 'no reply'
  }
  state.callbacks.push(record)
  return record
}

/** §4: the reply must be 2xx JSON with a `url` and a `confirmation_code`. */
function deletionVerdict(status: number, reply: unknown): string {
  if (status < 200 || status > 299) return `status ${status} is not 2xx`
  if (typeof reply !== 'object' || reply === null) return 'reply is not a JSON object'
  const r = reply as Record<string, unknown>
  if (typeof r['url'] !== 'string' || !/^https?:\/\//.test(r['url']))
    return '"url" is missing or not a URL'
  if (typeof r['confirmation_code'] !== 'string' || r['confirmation_code'] === '') {
    return '"confirmation_code" is missing'
  }
  return 'ok'
}

/**
 * The user removes the app: every token of that user and app fails with 190/458, and the
 * deauthorize URL gets one signed_request per flavor the user had authorised.
 */
export async function revokeApp(
  ctx: EmulatorContext,
  input: { userId: string; appId: string },
): Promise<{ invalidatedTokens: number; callbacks: CallbackRecord[] }> {
  const { app, flavors } = resolve(ctx.state, input.userId, input.appId)
  let invalidatedTokens = 0
  for (const rec of ctx.state.tokens.values()) {
    if (rec.app === app && rec.userId === input.userId && rec.invalid === undefined) {
      rec.invalid = 458
      invalidatedTokens++
    }
  }
  const callbacks: CallbackRecord[] = []
  if (app.deauthorizeUrl) {
    for (const flavor of flavors) {
      callbacks.push(
        await deliver(ctx, 'deauthorize', app, input.userId, flavor, app.deauthorizeUrl),
      )
    }
  }
  return { invalidatedTokens, callbacks }
}

/** The user asks for their data to be deleted: a signed_request to the data-deletion URL. */
export async function requestDataDeletion(
  ctx: EmulatorContext,
  input: { userId: string; appId: string },
): Promise<{ callbacks: CallbackRecord[] }> {
  const { app, flavors } = resolve(ctx.state, input.userId, input.appId)
  if (!app.dataDeletionUrl) throw new TypeError(`app "${app.metaAppId}" has no dataDeletionUrl`)
  if (flavors.length === 0)
    throw new TypeError(`user "${input.userId}" never authorised app "${app.metaAppId}"`)
  const callbacks: CallbackRecord[] = []
  for (const flavor of flavors) {
    callbacks.push(
      await deliver(ctx, 'data-deletion', app, input.userId, flavor, app.dataDeletionUrl),
    )
  }
  return { callbacks }
}

/** The user changes their password: all their tokens fail with 190/460. */
export function changePassword(
  ctx: EmulatorContext,
  input: { userId: string },
): { invalidatedTokens: number } {
  if (!ctx.state.users.has(input.userId)) throw new TypeError(`no user with id "${input.userId}"`)
  let invalidatedTokens = 0
  for (const rec of ctx.state.tokens.values()) {
    if (rec.userId === input.userId && rec.invalid === undefined) {
      rec.invalid = 460
      invalidatedTokens++
    }
  }
  return { invalidatedTokens }
}
