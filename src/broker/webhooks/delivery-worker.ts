import { randomInt } from 'node:crypto'
import {
  claimDueDeliveries,
  getWebhookSubscriber,
  openWebhookSecret,
  recordDeliveryAttempt,
} from '../../store/index.js'
import type { Keyring, Store, WebhookDeliveryRow } from '../../store/index.js'
import { WEBHOOK_SIGNATURE_HEADER, signWebhookDelivery } from './webhook-signature.js'
import { RoundLoop } from '../round-loop.js'
import { DestinationAllowList, DestinationRefusedError, checkDestination } from './destination.js'
import type { Resolver } from './destination.js'
import { PostFailedError, postPinned } from './pinned-post.js'

const MINUTE = 60_000

/** Settings of {@link WebhookDeliveryWorker}. */
export interface DeliveryWorkerOptions {
  /** Unique per process; the lease owner. */
  readonly owner: string
  /** The clock (epoch ms). */
  readonly now: () => number
  /** Deliveries sent at once. Default 8. */
  readonly concurrency?: number
  /** How long one POST may take, ms. Default 10 000. */
  readonly timeoutMs?: number
  /** Retries stop this long after the event, ms. Default 24 hours. */
  readonly retryWindowMs?: number
  /** How often the loop looks for due deliveries, ms (wall clock). Default 5 000. */
  readonly pollMs?: number
  /** Internal destinations an operator allows (`IGTOKEN_WEBHOOK_ALLOW_HOSTS`); default none. */
  readonly allow?: DestinationAllowList
  /** Resolves host names (tests); default the system resolver. */
  readonly resolve?: Resolver
  /** Told about each attempt's outcome (metrics). */
  readonly onOutcome?: (outcome: 'delivered' | 'retry' | 'failed') => void
  /** Told about unexpected errors (logging). */
  readonly onError?: (error: unknown) => void
}

/**
 * When to try a failed delivery again: 30 s doubling per attempt up to an hour, jittered, until
 * `retryWindowMs` after the event; then null (give up). Pure.
 * @param attempts - attempts made, including the one that just failed
 * @param createdAt - when the event was queued
 * @param now - epoch ms
 * @param jitter - a uniform draw in [0, 1)
 * @param retryWindowMs - how long to keep trying
 */
export function nextDeliveryAttemptAt(
  attempts: number,
  createdAt: number,
  now: number,
  jitter: number,
  retryWindowMs: number,
): number | null {
  // 30 s, doubling, plus up to half again so retries of many deliveries spread; an hour at most.
  const base = 30_000 * 2 ** Math.min(Math.max(attempts, 1) - 1, 20)
  const at =
    now + Math.min(60 * MINUTE, Math.round(base * (1 + Math.min(Math.max(jitter, 0), 1) / 2)))
  return at > createdAt + retryWindowMs ? null : at
}

/**
 * Sends queued webhook deliveries: claims due ones with a lease (so several instances send each
 * once), POSTs the signed JSON, records the answer, and retries failures with backoff for a day.
 * It runs apart from the refresh engine, so a dead endpoint never slows a refresh.
 */
const NO_INTERNAL_DESTINATIONS = new DestinationAllowList()

export class WebhookDeliveryWorker {
  readonly #store: Store
  readonly #keyring: Keyring
  readonly #options: DeliveryWorkerOptions
  readonly #loop: RoundLoop<number>

  /**
   * @param store - the store
   * @param keyring - opens subscriber secrets
   * @param options - see {@link DeliveryWorkerOptions}
   */
  constructor(store: Store, keyring: Keyring, options: DeliveryWorkerOptions) {
    this.#store = store
    this.#keyring = keyring
    this.#options = options
    this.#loop = new RoundLoop(() => this.#runRound(), {
      pollMs: options.pollMs ?? 5_000,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    })
  }

  /**
   * Sends every delivery due now (claiming in batches) and resolves when they are all recorded.
   * A round already running is joined rather than doubled.
   * @returns how many attempts were made
   */
  runOnce(): Promise<number> {
    return this.#loop.runOnce()
  }

  /** Starts the background loop (wall-clock polling). */
  start(): void {
    this.#loop.start()
  }

  /** Stops the loop and waits for attempts in flight (each is bounded by `timeoutMs`). */
  stop(): Promise<void> {
    return this.#loop.stop()
  }

  async #runRound(): Promise<number> {
    const concurrency = this.#options.concurrency ?? 8
    let attempts = 0
    while (!this.#loop.stopping) {
      const rows = await claimDueDeliveries(this.#store, {
        owner: this.#options.owner,
        now: this.#options.now(),
        leaseMs: (this.#options.timeoutMs ?? 10_000) * 3 + MINUTE,
        limit: Math.max(concurrency * 2, 10),
      })
      if (rows.length === 0) break
      let next = 0
      const lane = async () => {
        while (next < rows.length) {
          const row = rows[next++]
          if (row === undefined) break
          await this.#deliver(row).catch((error: unknown) => this.#options.onError?.(error))
          attempts++
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane))
    }
    return attempts
  }

  async #deliver(row: WebhookDeliveryRow): Promise<void> {
    const { owner } = this.#options
    const subscriber = await getWebhookSubscriber(this.#store, row.subscriber_id)
    if (subscriber === undefined || subscriber.disabled_at !== null) {
      await recordDeliveryAttempt(this.#store, {
        id: row.id,
        owner,
        delivered: false,
        statusCode: null,
        error: 'the subscriber was removed or disabled',
        nextAttemptAt: null,
        now: this.#options.now(),
      })
      this.#options.onOutcome?.('failed')
      return
    }
    const secret = openWebhookSecret(this.#keyring, subscriber).plaintext
    const sentAt = this.#options.now()
    let statusCode: number | null = null
    let error: string | null = null
    let retry = true
    try {
      // Checked at every attempt, before any connection, and pinned for this one connection.
      const destination = await checkDestination(
        subscriber.url,
        this.#options.allow ?? NO_INTERNAL_DESTINATIONS,
        ...(this.#options.resolve === undefined ? [] : [this.#options.resolve]),
      )
      const answer = await postPinned(
        destination,
        {
          'content-type': 'application/json',
          'user-agent': 'igtoken-webhooks/1',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookDelivery(
            secret,
            row.payload,
            Math.floor(sentAt / 1000),
          ),
          'x-igtoken-event': row.event_type,
          'x-igtoken-delivery': row.id,
        },
        row.payload,
        this.#options.timeoutMs ?? 10_000,
      )
      statusCode = answer.status
      if (answer.status < 200 || answer.status >= 300) error = `http ${answer.status}`
    } catch (caught) {
      if (caught instanceof DestinationRefusedError) {
        error = `refused: the destination is a ${caught.reason} address`
        // A name that does not resolve may resolve later; an internal address will not change.
        retry = caught.reason === 'unresolvable'
      } else {
        error = caught instanceof PostFailedError ? caught.message : 'could not connect'
      }
    }
    const now = this.#options.now()
    const delivered = error === null
    const nextAttemptAt =
      delivered || !retry
        ? null
        : nextDeliveryAttemptAt(
            row.attempts + 1,
            row.created_at,
            now,
            randomInt(0, 1_000_000) / 1_000_000,
            this.#options.retryWindowMs ?? 24 * 60 * MINUTE,
          )
    await recordDeliveryAttempt(this.#store, {
      id: row.id,
      owner,
      delivered,
      statusCode,
      error,
      nextAttemptAt,
      now,
    })
    this.#options.onOutcome?.(delivered ? 'delivered' : nextAttemptAt === null ? 'failed' : 'retry')
  }
}
