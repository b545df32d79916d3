/** One percentage reading from a Meta usage header. */
export interface UsageEntry {
  /**
   * `app` for `X-App-Usage`, `business-use-case` for `X-Business-Use-Case-Usage`, `page` for the
   * older `X-Page-Usage`, `ad-account` for `X-Ad-Account-Usage`.
   */
  readonly source: 'app' | 'business-use-case' | 'page' | 'ad-account'
  /** The business object (Page, Instagram account, …) the BUC entry counts against. */
  readonly businessId: string | null
  /** BUC `type` (`instagram`, `pages`, …); else the source's name. */
  readonly type: string
  /**
   * Percentages (0–100, may exceed 100) of the allowance used. graph.instagram.com writes them
   * `call_volume` and `cpu_time`, graph.facebook.com `call_count`, `total_time` and
   * `total_cputime`; both land here. `X-Ad-Account-Usage`'s `acc_id_util_pct` is a call count.
   */
  readonly callCount: number
  readonly totalTime: number
  readonly totalCputime: number
  /** Meta's `estimated_time_to_regain_access`, converted from minutes to milliseconds. */
  readonly regainAccessMs: number
}

/** What Meta's usage headers say about the remaining call allowance. */
export interface UsageReading {
  /** The highest percentage found in any entry. */
  readonly maxPercent: number
  readonly entries: readonly UsageEntry[]
  /**
   * How long to hold off before the next call, in ms: Meta's regain estimate when given, else
   * 5 minutes at 100 % or more, 1 minute at 90 % or more, otherwise 0.
   */
  readonly suggestedWaitMs: number
}

type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

const MINUTE_MS = 60_000

/**
 * Reads `X-App-Usage`, `X-Business-Use-Case-Usage`, `X-Page-Usage` and `X-Ad-Account-Usage`, in
 * the keys of either Graph host.
 *
 * Malformed headers are ignored rather than thrown on: they are advisory, and a broken header
 * must not fail a call that Meta answered.
 *
 * @param headers - A fetch `Headers` or a plain (e.g. Node) header record.
 * @returns The reading, or `null` when neither header is present and parseable.
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
export function parseUsageHeaders(headers: HeaderSource): UsageReading | null {
  const entries: UsageEntry[] = []
  const app = readJsonHeader(headers, 'x-app-usage')
  if (isRecord(app)) entries.push(toEntry(app, 'app', null, 'app'))
  const page = readJsonHeader(headers, 'x-page-usage')
  if (isRecord(page)) entries.push(toEntry(page, 'page', null, 'page'))
  const adAccount = readJsonHeader(headers, 'x-ad-account-usage')
  if (isRecord(adAccount)) entries.push(toEntry(adAccount, 'ad-account', null, 'ad-account'))
  const buc = readJsonHeader(headers, 'x-business-use-case-usage')
  if (isRecord(buc)) {
    for (const [businessId, list] of Object.entries(buc)) {
      if (!Array.isArray(list)) continue
      for (const item of list as unknown[]) {
        if (!isRecord(item)) continue
        const type = typeof item['type'] === 'string' ? item['type'] : 'unknown'
        entries.push(toEntry(item, 'business-use-case', businessId, type))
      }
    }
  }
  if (entries.length === 0) return null
  const maxPercent = Math.max(
    ...entries.map((e) => Math.max(e.callCount, e.totalTime, e.totalCputime)),
  )
  const regain = Math.max(...entries.map((e) => e.regainAccessMs))
  let suggestedWaitMs = 0
  if (regain > 0) suggestedWaitMs = regain
  else if (maxPercent >= 100) suggestedWaitMs = 5 * MINUTE_MS
  else if (maxPercent >= 90) suggestedWaitMs = MINUTE_MS
  return { maxPercent, entries, suggestedWaitMs }
}

function toEntry(
  item: Record<string, unknown>,
  source: UsageEntry['source'],
  businessId: string | null,
  type: string,
): UsageEntry {
  return {
    source,
    businessId,
    type,
    callCount: Math.max(
      percent(item['call_count']),
      percent(item['call_volume']),
      percent(item['acc_id_util_pct']),
    ),
    totalTime: percent(item['total_time']),
    totalCputime: Math.max(percent(item['total_cputime']), percent(item['cpu_time'])),
    regainAccessMs: percent(item['estimated_time_to_regain_access']) * MINUTE_MS,
  }
}

function percent(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0
}

function readJsonHeader(headers: HeaderSource, name: string): unknown {
  let raw: string | readonly string[] | null | undefined
  if (headers instanceof Headers) raw = headers.get(name)
  else {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
    raw = key === undefined ? undefined : headers[key]
  }
  const text = typeof raw === 'string' ? raw : raw?.[0]
  if (text === undefined || text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
