import type { FaultRule, FaultsConfig } from './types.js'

/** What happens to one request. */
export interface FaultDecision {
  latencyMs: number
  kind?: 'error' | 'timeout' | 'html' | 'malformed'
  errorStatus: number
  holdMaxMs: number
}

interface CompiledRule {
  rule: FaultRule
  path?: RegExp
}

/** mulberry32: tiny, fast and good enough for repeatable fault draws. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`)
}

function validShare(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1))
    throw new TypeError(`"${name}" must be between 0 and 1`)
}

/** Holds the fault rules and draws, deterministically when a seed is given. */
export class FaultInjector {
  private rules: CompiledRule[] = []
  private random: () => number = Math.random

  /** True when at least one rule is set (the hot path skips everything otherwise). */
  get active(): boolean {
    return this.rules.length > 0
  }

  /**
   * Replaces the rules.
   * @throws TypeError when a share is outside 0..1 or a rule matches nothing
   */
  set(config: FaultsConfig): void {
    const compiled = config.rules.map((rule) => {
      for (const k of ['errorRate', 'timeoutRate', 'htmlRate', 'malformedRate'] as const) {
        validShare(k, rule[k])
      }
      if (!rule.match.host && !rule.match.path && !rule.match.endpoint) {
        throw new TypeError('a fault rule needs "match.host", "match.path" or "match.endpoint"')
      }
      const c: CompiledRule = { rule }
      if (rule.match.path !== undefined) c.path = globToRegExp(rule.match.path)
      return c
    })
    this.rules = compiled
    this.random = config.seed === undefined ? Math.random : mulberry32(config.seed)
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = []
    this.random = Math.random
  }

  /** The current rules, as given. */
  list(): FaultRule[] {
    return this.rules.map((r) => r.rule)
  }

  /** Decides the fate of one request; the first matching rule applies. */
  decide(host: string, path: string, endpoint: string): FaultDecision | undefined {
    for (const { rule, path: re } of this.rules) {
      const m = rule.match
      if (m.host !== undefined && m.host !== host) continue
      if (m.endpoint !== undefined && m.endpoint !== endpoint) continue
      if (re && !re.test(path)) continue
      const decision: FaultDecision = {
        latencyMs: rule.latencyMs ?? 0,
        errorStatus: rule.errorStatus ?? 500,
        holdMaxMs: rule.holdMaxMs ?? 30_000,
      }
      const r = this.random()
      let edge = 0
      for (const [kind, share] of [
        ['timeout', rule.timeoutRate],
        ['error', rule.errorRate],
        ['html', rule.htmlRate],
        ['malformed', rule.malformedRate],
      ] as const) {
        edge += share ?? 0
        if (r < edge) {
          decision.kind = kind
          break
        }
      }
      return decision
    }
    return undefined
  }
}
