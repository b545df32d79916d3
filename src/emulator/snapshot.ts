import type { EmulatorState, ResolvedConfig, TokenRecord } from './state.js'
import type { EmulatorApp, EmulatorMedia, EmulatorUser, FlavorName } from './types.js'

/** Bumped when the shape changes; a snapshot of another version is refused. */
export const SNAPSHOT_VERSION = 1

/** A token as saved: its app named by the Meta app id (the state shares app objects). */
export type SavedToken = Omit<TokenRecord, 'app'> & { readonly appId: string }

/**
 * What outlives a restart of the emulator: apps, users and their media, tokens (valid or not),
 * grants, page links, behaviour switches and how far the clock was moved. Not saved: codes (an
 * hour's life), the request log, callbacks, faults and throttling counters.
 */
export interface EmulatorSnapshot {
  readonly version: typeof SNAPSHOT_VERSION
  /** How far the emulator clock is ahead of the real one, ms (time keeps running across restarts). */
  readonly clockOffsetMs: number
  readonly config: ResolvedConfig
  readonly apps: readonly EmulatorApp[]
  readonly users: readonly EmulatorUser[]
  readonly media: readonly EmulatorMedia[]
  readonly pageOwners: readonly (readonly [string, string])[]
  readonly tokens: readonly SavedToken[]
  readonly pageTokens: readonly (readonly [string, string])[]
  readonly scopedIds: readonly (readonly [string, string])[]
  readonly grants: readonly (readonly [string, readonly FlavorName[]])[]
  /** Which Pages each person granted each app (absent in snapshots written before Page choice). */
  readonly grantedPages?: readonly (readonly [string, readonly string[]])[]
}

/**
 * The state as plain JSON-ready data (a deep copy: later changes to the state do not show).
 * @param state - the emulator's state
 */
export function takeSnapshot(state: EmulatorState): EmulatorSnapshot {
  const copy = <T>(value: T): T => structuredClone(value)
  return {
    version: SNAPSHOT_VERSION,
    clockOffsetMs: state.clockOffsetMs,
    config: copy(state.config),
    apps: copy(state.apps),
    users: copy([...state.users.values()]),
    media: copy([...state.media.values()]),
    pageOwners: [...state.pageOwners],
    tokens: [...state.tokens.values()].map(({ app, ...rest }) => ({
      ...copy(rest),
      appId: app.metaAppId,
    })),
    pageTokens: [...state.pageTokens],
    scopedIds: [...state.scopedIds],
    grants: [...state.grants].map(([key, flavors]) => [key, [...flavors]] as const),
    grantedPages: [...state.grantedPages].map(([key, pages]) => [key, [...pages]] as const),
  }
}

/**
 * Puts a snapshot back into a freshly built state. Apps the state already has (the ones it was
 * started with) keep their current settings, so a changed redirect URI of the demo app wins over
 * the saved one; tokens of an app that no longer exists are dropped.
 * @param state - a state built from the start options
 * @param snapshot - what {@link takeSnapshot} returned (possibly read back from JSON)
 * @throws TypeError when the snapshot is not one this version understands
 */
export function restoreSnapshot(state: EmulatorState, snapshot: EmulatorSnapshot): void {
  // Read back from a file: check the shape before trusting the type.
  const untrusted = snapshot as unknown as Partial<Record<string, unknown>> | null
  if (
    typeof untrusted !== 'object' ||
    untrusted === null ||
    untrusted['version'] !== SNAPSHOT_VERSION ||
    !Array.isArray(untrusted['tokens']) ||
    !Array.isArray(untrusted['users'])
  ) {
    throw new TypeError(`not an emulator snapshot of version ${String(SNAPSHOT_VERSION)}`)
  }
  for (const app of snapshot.apps) {
    if (!state.findApp(app.metaAppId) && !state.findApp(app.instagramAppId)) state.addApp(app)
  }
  Object.assign(state.config, snapshot.config)
  for (const user of snapshot.users) state.users.set(user.id, user)
  for (const m of snapshot.media) state.media.set(m.id, m)
  for (const [page, owner] of snapshot.pageOwners) state.pageOwners.set(page, owner)
  for (const { appId, ...token } of snapshot.tokens) {
    const app = state.findApp(appId)
    if (app !== undefined) state.tokens.set(token.token, { ...token, app })
  }
  for (const [key, token] of snapshot.pageTokens) state.pageTokens.set(key, token)
  for (const [scoped, userId] of snapshot.scopedIds) state.scopedIds.set(scoped, userId)
  for (const [key, flavors] of snapshot.grants) state.grants.set(key, new Set(flavors))
  for (const [key, pages] of snapshot.grantedPages ?? [])
    state.grantedPages.set(key, new Set(pages))
  state.advanceClock(snapshot.clockOffsetMs - state.clockOffsetMs)
}
