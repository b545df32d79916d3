import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'

/** Options of a Graph API error (graph.facebook.com and graph.instagram.com). */
export interface GraphErrorInit {
  status?: number
  type?: string
  code: number
  subcode?: number
  /** Adds `WWW-Authenticate: OAuth "Facebook Platform" "<kind>" "<message>"`. */
  wwwAuthenticate?: 'invalid_token' | 'invalid_code' | 'invalid_request'
  isTransient?: boolean
  /** false: the answer carries no `fbtrace_id` (graph.instagram.com's tokenless refusal). */
  fbtraceId?: false
}

/** A refusal in the Graph envelope `{"error":{message,type,code,error_subcode?,fbtrace_id}}`. */
export class GraphError extends Error {
  readonly init: GraphErrorInit
  constructor(message: string, init: GraphErrorInit) {
    super(message)
    this.init = init
  }
}

/** A refusal in api.instagram.com's dialect `{"error_type","code","error_message"}`. */
export class InstagramOAuthError extends Error {
  readonly status: number
  constructor(message: string, status = 400) {
    super(message)
    this.status = status
  }
}

/**
 * The Instagram dialog's answer to scopes it cannot combine, e.g. the misspelled
 * `instagram_business_content_publishing`: `{"message":…,"status":"fail"}` with HTTP 400.
 */
export class InstagramDialogFail extends Error {}

/** Writes the Instagram dialog's `{"message","status":"fail"}`. */
export function sendInstagramDialogFail(
  reply: FastifyReply,
  err: InstagramDialogFail,
): FastifyReply {
  return reply
    .code(400)
    .type('application/json; charset=UTF-8')
    .send(JSON.stringify({ message: err.message, status: 'fail' }))
}

/** A login-dialog failure: an HTML page, never a redirect (Meta does not redirect bad clients). */
export class DialogError extends Error {
  readonly status: number
  readonly host: 'instagram' | 'facebook'
  constructor(message: string, host: 'instagram' | 'facebook', status = 400) {
    super(message)
    this.host = host
    this.status = status
  }
}

/** Meta's trace ids are 11 url-safe characters. */
export function fbtraceId(): string {
  return randomBytes(9).toString('base64url').slice(0, 11)
}

/**
 * The `type` a host writes: graph.instagram.com calls every error that is not about the token
 * `IGApiException` (Meta keeps `OAuthException` for 190 and for a blocked app, which set it).
 */
function typeFor(init: GraphErrorInit, host: string | undefined): string {
  if (host === 'graph.instagram.com' && init.code !== 190 && init.type !== 'OAuthException') {
    return 'IGApiException'
  }
  return init.type ?? 'OAuthException'
}

/** Writes a Graph envelope error in the dialect of `host`. */
export function sendGraphError(reply: FastifyReply, err: GraphError, host?: string): FastifyReply {
  const { init } = err
  const error: Record<string, unknown> = {
    message: err.message,
    type: typeFor(init, host),
    code: init.code,
  }
  if (init.subcode !== undefined) error['error_subcode'] = init.subcode
  if (init.isTransient !== undefined) error['is_transient'] = init.isTransient
  if (init.fbtraceId !== false) error['fbtrace_id'] = fbtraceId()
  if (init.wwwAuthenticate) {
    // Header values cannot carry quotes inside the quoted message; Meta's messages have none.
    reply.header(
      'www-authenticate',
      `OAuth "Facebook Platform" "${init.wwwAuthenticate}" "${err.message.replace(/"/g, "'")}"`,
    )
  }
  return reply
    .code(init.status ?? 400)
    .type('application/json; charset=UTF-8')
    .send(JSON.stringify({ error }))
}

/** Writes api.instagram.com's OAuth error; `code` mirrors the HTTP status. */
export function sendInstagramError(reply: FastifyReply, err: InstagramOAuthError): FastifyReply {
  return reply
    .code(err.status)
    .type('application/json; charset=UTF-8')
    .send(
      JSON.stringify({
        error_type: 'OAuthException',
        code: err.status,
        error_message: err.message,
      }),
    )
}

const PACIFIC = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  weekday: 'long',
  day: '2-digit',
  month: 'short',
  year: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZoneName: 'short',
})

/** Formats like Meta's expiry messages: `Thursday, 29-Jul-21 10:00:00 PDT`. */
export function pacificTime(ms: number): string {
  const p: Record<string, string> = {}
  for (const part of PACIFIC.formatToParts(new Date(ms))) p[part.type] = part.value
  const hour = p['hour'] === '24' ? '00' : (p['hour'] ?? '00')
  return `${p['weekday'] ?? ''}, ${p['day'] ?? ''}-${p['month'] ?? ''}-${p['year'] ?? ''} ${hour}:${p['minute'] ?? ''}:${p['second'] ?? ''} ${p['timeZoneName'] ?? ''}`
}

/** The token errors of §6.1/§6.3, all code 190, HTTP 400, with `WWW-Authenticate`. */
export const tokenErrors = {
  /** A string shaped like a Facebook token (EAA…) that Meta cannot read. */
  cannotDecrypt: () =>
    new GraphError('The access token could not be decrypted', {
      code: 190,
      wwwAuthenticate: 'invalid_token',
    }),
  cannotParse: () =>
    new GraphError('Invalid OAuth access token - Cannot parse access token', {
      code: 190,
      wwwAuthenticate: 'invalid_token',
    }),
  /** graph.instagram.com writes subcode 0 where graph.facebook.com writes 463. */
  expired: (expiresAt: number, now: number, subcode: 0 | 463 = 463) =>
    new GraphError(
      `Error validating access token: Session has expired on ${pacificTime(expiresAt)}. The current time is ${pacificTime(now)}.`,
      { code: 190, subcode, wwwAuthenticate: 'invalid_token' },
    ),
  appRemoved: (appId: string) =>
    new GraphError(
      `Error validating access token: The user has not authorized application ${appId}.`,
      { code: 190, subcode: 458, wwwAuthenticate: 'invalid_token' },
    ),
  passwordChanged: () =>
    new GraphError(
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons',
      { code: 190, subcode: 460, wwwAuthenticate: 'invalid_token' },
    ),
  replaced: () =>
    new GraphError(
      'Error validating access token: The session is invalid because the token was replaced by a refresh.',
      { code: 190, subcode: 467, wwwAuthenticate: 'invalid_token' },
    ),
  /** graph.instagram.com's answer to a call without a token, whatever the path. */
  missingOnInstagram: () =>
    new GraphError('Invalid OAuth 2.0 Access Token', {
      code: 190,
      type: 'IGApiException',
      fbtraceId: false,
    }),
  missing: (isMe: boolean) =>
    isMe
      ? new GraphError(
          'An active access token must be used to query information about the current user.',
          { code: 2500 },
        )
      : new GraphError('An access token is required to request this resource.', { code: 104 }),
}

/** Graph's answer for an object or edge that does not exist for this token. */
export function unsupportedGet(id: string, method = 'get'): GraphError {
  return new GraphError(
    `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    { code: 100, subcode: 33, type: 'GraphMethodException' },
  )
}

/** Graph's answer for a missing or malformed parameter. */
export function badParameter(message: string, code = 100): GraphError {
  return new GraphError(message, { code })
}
