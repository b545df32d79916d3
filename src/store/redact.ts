// Long runs of token-alphabet characters are what access tokens, codes and secrets look like;
// ordinary error prose never has 32 such characters in a row.
const SECRET_LIKE = /[A-Za-z0-9_\-.|%+/=]{32,}/g

/**
 * Replaces anything that looks like a token or secret with `[redacted]` and caps the length, so
 * a Meta error message that echoes a token can still be stored and shown.
 * @param text - the message
 * @param max - the length cap, default 500
 */
export function redactSecrets(text: string, max = 500): string {
  const cleaned = text.replace(SECRET_LIKE, '[redacted]')
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned
}

/**
 * Whether a string looks like it could carry a token or secret.
 * @param text - the value to check
 */
export function looksSecret(text: string): boolean {
  SECRET_LIKE.lastIndex = 0
  return SECRET_LIKE.test(text)
}
