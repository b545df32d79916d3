import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Eta } from 'eta'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import { registerControlRoutes } from './control/routes.js'
import {
  DialogError,
  GraphError,
  InstagramDialogFail,
  InstagramOAuthError,
  sendGraphError,
  sendInstagramDialogFail,
  sendInstagramError,
} from './errors.js'
import { FaultInjector } from './faults.js'
import { parseMultipart, parseUrlEncoded, type ParsedBody } from './http.js'
import { RateLimiter } from './rate-limits.js'
import { classifyUrl, infoOf, setInfo, type MetaHost } from './request-info.js'
import { registerApiInstagramRoutes } from './routes/api-instagram-com.js'
import { registerDialogRoutes } from './routes/dialogs.js'
import { registerGraphFacebookRoutes } from './routes/graph-facebook-com.js'
import { registerGraphInstagramRoutes } from './routes/graph-instagram-com.js'
import { registerPlaceholderMedia } from './routes/placeholder-media.js'
import { DEFAULT_TEST_USERS, DEMO_APP, HOSTILE_TEST_USER } from './seed.js'
import { EmulatorState } from './state.js'
import type { EmulatorApp, EmulatorConfig, EmulatorUserInput } from './types.js'

/** Options of {@link startEmulator} and {@link buildEmulatorApp}. */
export interface StartEmulatorOptions {
  /** 0 = random port (default 0; the CLI uses 8788). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Default: [DEMO_APP]. */
  apps?: EmulatorApp[]
  /** Seed DEFAULT_TEST_USERS (default true). */
  seedUsers?: boolean
  /** Also seed a user whose username and name are HTML/script injection probes (default false). */
  seedHostileUser?: boolean
  /** Extra users, added after the seeded ones. */
  users?: EmulatorUserInput[]
  config?: EmulatorConfig
  /** Fastify's pino logger (default off). */
  logger?: boolean
}

/** Everything the route plugins share; `state` is replaced by a reset. */
export interface EmulatorContext {
  state: EmulatorState
  readonly limiter: RateLimiter
  readonly faults: FaultInjector
  readonly views: Eta
  /** Back to the start: options' apps, users and config, clock at the real time. */
  reset(): void
  /**
   * Calls `listener` after every move of the clock through the control API (set, advance, reset),
   * so an embedding process sharing this clock (demo mode) reacts at once.
   * @returns a function that stops the calls
   */
  onClockChange(listener: () => void): () => void
  /** Tells the listeners of {@link EmulatorContext.onClockChange} the clock moved. */
  clockChanged(): void
  /**
   * Calls `listener` after every answered request (Meta hosts and the control API alike): the
   * state may have changed, e.g. for a process that saves it (demo mode). Cheap: debounce there.
   * @returns a function that stops the calls
   */
  onRequestDone(listener: () => void): () => void
}

const contexts = new WeakMap<FastifyInstance, EmulatorContext>()

/**
 * The in-process hook to an emulator built by {@link buildEmulatorApp}: its state (apps, users,
 * codes, tokens, clock). Meant for benchmarks and white-box tests.
 * @throws TypeError when the instance is not an emulator
 */
export function emulatorContextOf(app: FastifyInstance): EmulatorContext {
  const ctx = contexts.get(app)
  if (!ctx) throw new TypeError('not an emulator instance')
  return ctx
}

function createState(options: StartEmulatorOptions): EmulatorState {
  const state = new EmulatorState(options.config)
  for (const app of options.apps ?? [DEMO_APP]) state.addApp(app)
  if (options.seedUsers ?? true) for (const u of DEFAULT_TEST_USERS) state.addUser(u)
  if (options.seedHostileUser) state.addUser(HOSTILE_TEST_USER)
  for (const u of options.users ?? []) state.addUser(u)
  return state
}

const HTML_FAULT =
  '<!DOCTYPE html><html lang="en"><head><title>Error</title></head><body><h1>Sorry, something went wrong.</h1><p>We\'re working on it and we\'ll get it fixed as soon as we can.</p></body></html>'

/** Renders the HTML error page of the login dialogs. */
export function sendDialogError(
  ctx: EmulatorContext,
  reply: FastifyReply,
  err: DialogError,
): FastifyReply {
  const html = ctx.views.render('./error', {
    brand: err.host === 'instagram' ? 'Instagram' : 'Facebook',
    message: err.message,
  })
  return reply.code(err.status).type('text/html; charset=utf-8').send(html)
}

function dialect(host: MetaHost | undefined): 'graph' | 'instagram' | 'dialog' | 'control' {
  if (host === 'graph.instagram.com' || host === 'graph.facebook.com') return 'graph'
  if (host === 'api.instagram.com') return 'instagram'
  if (host === 'www.instagram.com' || host === 'www.facebook.com') return 'dialog'
  return 'control'
}

/** Answers any error in the dialect of the host the request was for, never Fastify's default. */
function sendAnyError(
  ctx: EmulatorContext,
  reply: FastifyReply,
  err: unknown,
  host: MetaHost | undefined,
): FastifyReply {
  if (err instanceof GraphError) return sendGraphError(reply, err, host)
  if (err instanceof InstagramOAuthError) return sendInstagramError(reply, err)
  if (err instanceof DialogError) return sendDialogError(ctx, reply, err)
  if (err instanceof InstagramDialogFail) return sendInstagramDialogFail(reply, err)
  const fe = err as Partial<FastifyError>
  const status = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : (fe.statusCode ?? 500)
  const clientError = status >= 400 && status < 500
  const message =
    status === 413
      ? 'Request body is too large'
      : clientError
        ? 'Invalid request'
        : 'An unknown error has occurred.'
  switch (dialect(host)) {
    case 'graph':
      return sendGraphError(
        reply,
        new GraphError(message, { status, code: clientError ? 100 : 1 }),
        host,
      )
    case 'instagram':
      return sendInstagramError(reply, new InstagramOAuthError(message, status))
    case 'dialog':
      return sendDialogError(
        ctx,
        reply,
        new DialogError(message, host === 'www.facebook.com' ? 'facebook' : 'instagram', status),
      )
    default:
      return reply
        .code(status)
        .send({ error: { code: clientError ? 'bad_request' : 'internal', message } })
  }
}

/**
 * Builds the emulator as a Fastify instance without listening (use `app.inject()` in tests).
 * Each Meta host is served under `/<host>/…`; the control API lives under `/_emulator/`.
 */
export async function buildEmulatorApp(
  options: StartEmulatorOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1_048_576,
    forceCloseConnections: true,
  })
  const faults = new FaultInjector()
  if (options.config?.faults) faults.set(options.config.faults)
  const clockListeners = new Set<() => void>()
  const doneListeners = new Set<() => void>()
  const ctx: EmulatorContext = {
    state: createState(options),
    limiter: new RateLimiter(),
    faults,
    views: new Eta({ views: fileURLToPath(new URL('./views', import.meta.url)), cache: true }),
    reset() {
      ctx.state = createState(options)
      ctx.limiter.clear()
      if (options.config?.faults) ctx.faults.set(options.config.faults)
      else ctx.faults.clear()
      ctx.clockChanged()
    },
    onClockChange(listener) {
      clockListeners.add(listener)
      return () => clockListeners.delete(listener)
    },
    clockChanged() {
      callEach(clockListeners)
    },
    onRequestDone(listener) {
      doneListeners.add(listener)
      return () => doneListeners.delete(listener)
    },
  }
  contexts.set(app, ctx)

  app.decorateRequest('emulatorInfo', null)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      done(null, { kind: 'form', fields: parseUrlEncoded(body as string) } satisfies ParsedBody)
    },
  )
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (req, body, done) => {
    const contentType = req.headers['content-type'] ?? ''
    const fields = parseMultipart(body as string, contentType)
    done(
      null,
      (fields ? { kind: 'form', fields } : { kind: 'other', contentType }) satisfies ParsedBody,
    )
  })
  // Everything else (JSON included) is kept aside: the control API parses JSON itself, and Meta's
  // endpoints answer it with their own errors instead of a Fastify 415.
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    done(null, {
      kind: 'other',
      contentType: req.headers['content-type'] ?? '',
      raw: body as string,
    })
  })

  app.addHook('onRequest', (req, reply, done) => {
    const info = classifyUrl(req.url)
    setInfo(req, info)
    if (info.host !== undefined) {
      // 'close' fires once the answer is written or the socket is destroyed (drop/hold faults),
      // so nothing stays in flight after the client has its answer or its error.
      const end = ctx.state.begin({
        method: req.method,
        host: info.host,
        path: info.path,
        endpoint: info.endpoint,
      })
      reply.raw.once('close', end)
    }
    if (!ctx.faults.active || info.host === undefined) {
      done()
      return
    }
    const decision = ctx.faults.decide(info.host, info.path, info.endpoint)
    if (!decision) {
      done()
      return
    }
    info.fault = decision
    void applyFault(ctx, req.raw.socket, reply, info.host, decision).then(() => {
      if (!reply.sent) done()
    }, done)
  })

  app.addHook('onSend', (req, _reply, payload, done) => {
    const info = infoOf(req)
    if (info.fault?.kind === 'malformed' && typeof payload === 'string') {
      done(null, payload.slice(0, Math.floor(payload.length / 2)))
      return
    }
    done(null, payload)
  })

  app.addHook('onResponse', (req, reply, done) => {
    const info = infoOf(req)
    if (info.host !== undefined) {
      const entry: Parameters<EmulatorState['record']>[0] = {
        method: req.method,
        host: info.host,
        path: info.path,
        endpoint: info.endpoint,
        status: reply.statusCode,
      }
      if (info.appId !== undefined) entry.appId = info.appId
      if (info.userId !== undefined) entry.userId = info.userId
      if (info.tokenFingerprint !== undefined) entry.tokenFingerprint = info.tokenFingerprint
      ctx.state.record(entry)
    }
    callEach(doneListeners)
    done()
  })

  app.setErrorHandler((err, req, reply) => sendAnyError(ctx, reply, err, infoOf(req).host))
  app.setNotFoundHandler((req, reply) => {
    const info = infoOf(req)
    switch (dialect(info.host)) {
      case 'instagram':
        return sendInstagramError(
          reply,
          new InstagramOAuthError("Sorry, this page isn't available.", 404),
        )
      case 'dialog':
        return sendDialogError(
          ctx,
          reply,
          new DialogError(
            "Sorry, this page isn't available.",
            info.host === 'www.facebook.com' ? 'facebook' : 'instagram',
            404,
          ),
        )
      default:
        return reply.code(404).send({
          error: {
            code: 'not_found',
            message:
              'unknown path: Meta hosts are served under /<host>/…, the control API under /_emulator/',
          },
        })
    }
  })

  registerDialogRoutes(app, ctx)
  registerApiInstagramRoutes(app, ctx)
  registerGraphInstagramRoutes(app, ctx)
  registerGraphFacebookRoutes(app, ctx)
  await app.register(
    (child, _opts, done) => {
      registerControlRoutes(child, ctx)
      registerPlaceholderMedia(child, ctx)
      done()
    },
    { prefix: '/_emulator' },
  )
  return app
}

/** Calls each listener; a failing one is the embedder's problem, the emulator still answers. */
function callEach(listeners: ReadonlySet<() => void>): void {
  for (const listener of listeners) {
    try {
      listener()
    } catch {
      // ignored on purpose
    }
  }
}

async function applyFault(
  ctx: EmulatorContext,
  socket: Socket,
  reply: FastifyReply,
  host: MetaHost,
  decision: NonNullable<ReturnType<FaultInjector['decide']>>,
): Promise<void> {
  if (decision.latencyMs > 0) await sleep(decision.latencyMs)
  switch (decision.kind) {
    case 'timeout':
      // Hold the request until the client gives up (socket closes) or the maximum passes.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, decision.holdMaxMs)
        socket.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      reply.hijack()
      socket.destroy()
      return
    case 'error': {
      const message = 'An unexpected error has occurred. Please retry your request later.'
      const status = decision.errorStatus
      if (dialect(host) === 'instagram')
        sendInstagramError(reply, new InstagramOAuthError(message, status))
      else if (dialect(host) === 'dialog')
        sendDialogError(
          ctx,
          reply,
          new DialogError(message, host === 'www.facebook.com' ? 'facebook' : 'instagram', status),
        )
      else
        sendGraphError(reply, new GraphError(message, { status, code: 2, isTransient: true }), host)
      return
    }
    case 'html':
      reply.code(502).type('text/html; charset=utf-8').send(HTML_FAULT)
      return
    default:
      return
  }
}
