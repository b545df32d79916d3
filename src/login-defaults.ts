// No imports on purpose: `igtoken --help` reads this and must load nothing else (a leaf beside
// config.ts, so the CLI, the broker and the demo app's registration share it).

/** The port `igtoken login` listens on unless `--redirect-uri` says otherwise. */
export const LOGIN_PORT = 8443

/**
 * The redirect URI `igtoken login` uses by default: https, or http with `--http`. The demo app
 * registers both, so `npx igtoken login` works against a running demo.
 */
export function defaultLoginRedirectUri(scheme: 'https' | 'http' = 'https'): string {
  return `${scheme}://localhost:${LOGIN_PORT}/callback`
}
