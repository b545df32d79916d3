import type { BrokerContext } from './context.js'
import type { CheckResult } from './doctor-checks.js'
import { probeMetaApp } from './meta-probes.js'

/** What the start-up probes found so far; `failed` lists only the checks that failed. */
export interface MetaProbeReport {
  /** `off` in demo mode (the embedded emulator is configured by the service itself). */
  readonly status: 'off' | 'pending' | 'passed' | 'failed'
  readonly failed: readonly CheckResult[]
  /** Epoch ms the probes finished; null before. */
  readonly checkedAt: number | null
}

/**
 * The doctor's Meta probes ({@link probeMetaApp}: Meta answers, id/secret pair, clock, login
 * dialog accepts the app id and redirect URI), run once by `serve` at start in live mode. Running
 * them never blocks the start and never throws: the report is read by `/readyz`, the dashboard and
 * the home page, so a wrong app id shows before the first person is stranded on Meta's error page.
 */
export class StartupMetaProbes {
  #report: MetaProbeReport
  readonly #probe: (() => Promise<CheckResult[]>) | undefined
  readonly #now: () => number

  constructor(
    ctx: Pick<BrokerContext, 'meta' | 'redirectUri' | 'now'>,
    options: { readonly enabled: boolean; readonly timeoutMs?: number },
  ) {
    this.#now = ctx.now
    this.#probe = options.enabled
      ? () =>
          probeMetaApp(ctx.meta, ctx.redirectUri, ctx.now, {
            timeoutMs: options.timeoutMs ?? 10_000,
          })
      : undefined
    this.#report = {
      status: options.enabled ? 'pending' : 'off',
      failed: [],
      checkedAt: null,
    }
  }

  /** The latest report. */
  get report(): MetaProbeReport {
    return this.#report
  }

  /**
   * Runs the probes and keeps their outcome as the report (`serve` calls it once, after listening).
   * @returns the failed checks (also kept in {@link report}); never rejects
   */
  async run(): Promise<readonly CheckResult[]> {
    if (this.#probe === undefined) return []
    let failed: CheckResult[]
    try {
      failed = (await this.#probe()).filter((c) => c.status === 'fail')
    } catch (error) {
      failed = [
        {
          id: 'meta_answers',
          title: 'Meta answers',
          status: 'fail',
          detail: `the probe itself failed: ${error instanceof Error ? error.message : String(error)}`,
          fix: 'run npx igtoken doctor with the same configuration',
        },
      ]
    }
    this.#report = {
      status: failed.length === 0 ? 'passed' : 'failed',
      failed,
      checkedAt: this.#now(),
    }
    return failed
  }
}
