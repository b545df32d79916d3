/** The Meta hosts the library talks to. */
export type MetaHost =
  | 'www.instagram.com'
  | 'api.instagram.com'
  | 'graph.instagram.com'
  | 'www.facebook.com'
  | 'graph.facebook.com'

/** Every {@link MetaHost}. */
export const META_HOSTS: readonly MetaHost[] = Object.freeze([
  'www.instagram.com',
  'api.instagram.com',
  'graph.instagram.com',
  'www.facebook.com',
  'graph.facebook.com',
] as const)

/**
 * Base URLs that send every Meta host to the igtoken emulator, which serves each real host under
 * a path prefix named after it (`http://127.0.0.1:4000/graph.instagram.com/…`).
 *
 * @param emulatorUrl - The emulator's origin, e.g. `http://127.0.0.1:4000`.
 * @returns A `baseUrls` value for `createMetaClient`.
 */
export function emulatorBaseUrls(emulatorUrl: string): Record<MetaHost, string> {
  const base = emulatorUrl.replace(/\/+$/, '')
  const out = {} as Record<MetaHost, string>
  for (const host of META_HOSTS) out[host] = `${base}/${host}`
  return out
}

/** Whether `value` is a {@link MetaHost}. */
export function isMetaHost(value: string): value is MetaHost {
  return (META_HOSTS as readonly string[]).includes(value)
}
