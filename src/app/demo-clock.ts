import type { EmulatorContext } from '../emulator/index.js'

const DAY_MS = 86_400_000

/** The longest single time travel (a bit more than a year, so "+1 year" and a margin fit). */
export const MAX_TRAVEL_MS = 400 * DAY_MS

/**
 * How far one step of a travel moves the clock: a day is shorter than any refresh window (Meta
 * refreshes tokens at least a day old, the engine's earliest due time is days ahead), so each
 * refresh happens on its own day instead of being jumped over.
 */
export const TRAVEL_STEP_MS = DAY_MS

/** What a travel did. */
export interface TravelResult {
  /** The shared clock afterwards, epoch ms. */
  readonly now: number
  /** Steps walked (each followed by a refresh round). */
  readonly steps: number
}

/**
 * Demo mode's one clock: the embedded emulator's, which the service reads as its `now`. Moving it
 * (here, or through `POST /_emulator/clock/advance`) moves Meta and the service together.
 */
export interface DemoClock {
  /** The shared time, epoch ms. */
  now(): number
  /**
   * Moves the clock forward by `ms` in steps of at most {@link TRAVEL_STEP_MS}, running a refresh
   * round after each, so refreshes, warnings and expiries happen on their day. Travels run one at
   * a time (a second waits for the first).
   * @throws RangeError when `ms` is not a whole number between 1 and {@link MAX_TRAVEL_MS}
   */
  travel(ms: number): Promise<TravelResult>
}

/**
 * The shared clock over an embedded emulator.
 * @param emulator - the in-process emulator (its `state` is replaced by a reset: read it each time)
 * @param afterStep - what runs after each step (the refresh engine's round, when it runs)
 */
export function createDemoClock(
  emulator: EmulatorContext,
  afterStep: () => Promise<unknown>,
): DemoClock {
  let queue: Promise<unknown> = Promise.resolve()
  const now = () => emulator.state.now()
  return {
    now,
    travel(ms) {
      if (!Number.isSafeInteger(ms) || ms < 1 || ms > MAX_TRAVEL_MS) {
        return Promise.reject(
          new RangeError(`a time travel is 1 ms to ${MAX_TRAVEL_MS / DAY_MS} days forward`),
        )
      }
      const walk = queue.then(async () => {
        let left = ms
        let steps = 0
        while (left > 0) {
          const step = Math.min(left, TRAVEL_STEP_MS)
          // Straight on the state, not through clockChanged(): this walk awaits its own round.
          emulator.state.advanceClock(step)
          left -= step
          steps++
          await afterStep()
        }
        return { now: now(), steps }
      })
      queue = walk.catch(() => undefined)
      return walk
    },
  }
}
