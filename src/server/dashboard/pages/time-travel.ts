import type { FastifyInstance } from 'fastify'
import type { DemoClock } from '../../../app/demo-clock.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import { relativeTime, shortTime } from '../format.js'

/** The jumps the page offers, in days: a refresh's day, a token's life, a year. */
const TRAVEL_CHOICES_DAYS: readonly number[] = [1, 30, 45, 365]

const DAY_MS = 86_400_000

/**
 * Demo mode's "Time travel": moves the one clock the service and its embedded emulator share, day
 * by day (see {@link DemoClock.travel}), so the refresh engine, the history, the webhooks and the
 * expiry warnings do what they would over real months. Registered only when the process has a
 * demo clock: in live mode the page does not exist (404).
 * @param app - the dashboard's Fastify scope
 * @param clock - the shared demo clock
 */
export function timeTravelPages(app: FastifyInstance, clock: DemoClock): void {
  app.get('/time-travel', (request, reply) => {
    const now = clock.now()
    return sendPage(request, reply, './dashboard/time-travel', {
      title: 'Time travel',
      section: 'time-travel',
      now: shortTime(now),
      nowIso: new Date(now).toISOString(),
      ahead: relativeTime(now, Date.now(), 'now').replace(/^in /, ''),
      choices: TRAVEL_CHOICES_DAYS,
    })
  })

  app.post<{ Body: { days: number } }>(
    '/time-travel',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            days: { type: 'integer', enum: [...TRAVEL_CHOICES_DAYS] },
          },
          required: ['days'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const travelled = await clock.travel(request.body.days * DAY_MS)
      request.log.info(
        { days: request.body.days, steps: travelled.steps, now: new Date(travelled.now) },
        'demo clock moved forward',
      )
      return reply.redirect(`${DASHBOARD_PATH}/time-travel?done=travelled`, 303)
    },
  )
}
