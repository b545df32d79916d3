import { purgeConnectAttempts } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { RoundLoop } from './round-loop.js'

/** How often `serve` and `worker` sweep: often enough that unauthenticated `/connect` cannot pile up rows. */
export const HOUSEKEEPING_INTERVAL_MS = 5 * 60_000

/**
 * A consumed attempt records its outcome after the code exchange, which may finish just past the
 * attempt's expiry; this margin keeps the row until that write has surely landed.
 */
const OUTCOME_MARGIN_MS = 60_000

/** What one housekeeping round removed. */
export interface HousekeepingReport {
  readonly connectAttempts: number
}

/**
 * One housekeeping round: removes connect attempts whose lifetime is over (used or not), since
 * `/connect` is unauthenticated and would otherwise grow the table without bound.
 * @param ctx - the broker context (its clock decides what is over)
 */
export async function runHousekeeping(ctx: BrokerContext): Promise<HousekeepingReport> {
  const connectAttempts = await purgeConnectAttempts(ctx.store, ctx.now() - OUTCOME_MARGIN_MS)
  return { connectAttempts }
}

/**
 * The periodic sweep `serve` and `worker` both run (through the refresh runtime): a round at
 * start, then one every {@link HOUSEKEEPING_INTERVAL_MS}.
 * @param ctx - the broker context
 * @param options - where a failed round is reported; the interval (tests)
 */
export function createHousekeeping(
  ctx: BrokerContext,
  options: { readonly onError?: (error: unknown) => void; readonly intervalMs?: number } = {},
): RoundLoop<HousekeepingReport> {
  return new RoundLoop(() => runHousekeeping(ctx), {
    pollMs: options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  })
}
