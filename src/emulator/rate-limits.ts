import type { FastifyReply } from 'fastify'
import { GraphError } from './errors.js'
import type { EmulatorState, TokenRecord } from './state.js'

interface Counter {
  start: number
  count: number
}

/** Fixed-window call counters per app and per app-user pair, with Meta's usage headers. */
export class RateLimiter {
  private readonly counters = new Map<string, Counter>()

  private bump(key: string, now: number, windowMs: number): Counter {
    let c = this.counters.get(key)
    if (!c || now - c.start >= windowMs || now < c.start) {
      c = { start: now, count: 0 }
      this.counters.set(key, c)
    }
    c.count++
    return c
  }

  /** Forgets every counter. */
  clear(): void {
    this.counters.clear()
  }

  /**
   * Counts one Graph call for the token's app and user, writes `X-App-Usage` (and
   * `X-Business-Use-Case-Usage` for Instagram and Page objects), and throws the throttling
   * error past the limits: 4 (app), 80002 (Instagram Login user), 32 (Page), 17 (other users).
   */
  check(state: EmulatorState, reply: FastifyReply, rec: TokenRecord, bucObjectId?: string): void {
    const { windowMs, appCalls, userCalls } = state.config.limits
    const now = state.now()
    const app = this.bump(`app:${rec.app.metaAppId}`, now, windowMs)
    const userKey = rec.pageId ?? rec.userId
    const user = this.bump(`user:${rec.app.metaAppId}:${userKey}`, now, windowMs)
    const appPct = Math.min(100, Math.floor((app.count * 100) / appCalls))
    const userPct = Math.min(100, Math.floor((user.count * 100) / userCalls))
    // Each host spells the app header its own way; BUC entries look alike on both.
    reply.header(
      'x-app-usage',
      rec.flavor === 'facebook-login'
        ? `{"call_count":${appPct},"total_time":${appPct},"total_cputime":${appPct}}`
        : `{"call_volume":${appPct},"cpu_time":${appPct}}`,
    )
    const bucId = bucObjectId ?? (rec.flavor === 'instagram-login' ? rec.userId : rec.pageId)
    if (bucId !== undefined) {
      const minutes = user.count > userCalls ? Math.ceil((user.start + windowMs - now) / 60000) : 0
      // A Page token counts against the Page's budget, whatever object it reads.
      const type = rec.pageId !== undefined ? 'pages' : 'instagram'
      reply.header(
        'x-business-use-case-usage',
        `{"${bucId}":[{"type":"${type}","call_count":${userPct},"total_cputime":${userPct},"total_time":${userPct},"estimated_time_to_regain_access":${minutes}}]}`,
      )
    }
    if (app.count > appCalls) {
      throw new GraphError('(#4) Application request limit reached', {
        code: 4,
        isTransient: true,
      })
    }
    if (user.count > userCalls) {
      if (rec.flavor === 'instagram-login') {
        throw new GraphError(
          '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.',
          { code: 80002, isTransient: true },
        )
      }
      if (rec.pageId !== undefined) {
        // Meta's own wording, typo included.
        throw new GraphError('(#32) Page request limited reached', { code: 32, isTransient: true })
      }
      throw new GraphError('(#17) User request limit reached', { code: 17, isTransient: true })
    }
  }
}
