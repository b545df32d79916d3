import type { Flavor } from './flavors/flavor.js'
import type { MetaHost } from './hosts.js'
import type { Transport } from './http-transport.js'
import { computeAppSecretProof } from './appsecret-proof.js'
import type { UsageReading } from './usage-headers.js'
import type { WarningHandler } from './warnings.js'

/** Everything the calls of one client share. */
export interface ClientContext extends Transport {
  readonly flavor: Flavor
  readonly appId: string
  readonly appSecret: string
  readonly redirectUri: string
  readonly graphVersion: string
  readonly appSecretProof: 'timed' | 'untimed' | 'off'
  readonly appSecretProofHosts: readonly MetaHost[]
  readonly onWarning: WarningHandler | undefined
  readonly onUsage: ((usage: UsageReading) => void) | undefined
}

/** Fills `{version}` and other `{name}` placeholders of a path template, encoding the values. */
export function fillPath(
  ctx: Pick<ClientContext, 'graphVersion'>,
  template: string,
  values: Readonly<Record<string, string>> = {},
): string {
  return template.replace(/\{([a-z-]+)\}/g, (_match, name: string) => {
    if (name === 'version') return ctx.graphVersion
    const value = values[name]
    if (value === undefined) throw new Error(`path placeholder "${name}" has no value`)
    return encodeURIComponent(value)
  })
}

/** `access_token` plus, where configured, `appsecret_proof` (and `appsecret_time`). */
export function tokenQuery(
  ctx: ClientContext,
  host: MetaHost,
  token: string,
): Record<string, string> {
  const query: Record<string, string> = { access_token: token }
  if (ctx.appSecretProof === 'off' || !ctx.appSecretProofHosts.includes(host)) return query
  const proof =
    ctx.appSecretProof === 'timed'
      ? computeAppSecretProof(token, ctx.appSecret, { time: Math.floor(ctx.now() / 1000) })
      : computeAppSecretProof(token, ctx.appSecret)
  return { ...query, ...proof }
}

/** Reports usage to `onUsage` and returns the `usage` field to put on a result. */
export function usageField(
  ctx: Pick<ClientContext, 'onUsage'> | undefined,
  usage: UsageReading | null,
): { usage?: UsageReading } {
  if (usage === null) return {}
  ctx?.onUsage?.(usage)
  return { usage }
}
