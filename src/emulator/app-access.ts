import { GraphError, InstagramOAuthError } from './errors.js'
import type { EmulatorState } from './state.js'
import type { EmulatorApp } from './types.js'

/**
 * Meta's answer to every call of an app it restricted or deactivated. A deactivated app's refusal
 * really comes with HTTP 200; the tail of its message is the emulator's own.
 */
export function assertAppActive(app: EmulatorApp): void {
  if (app.access === 'blocked') {
    throw new GraphError('API access blocked.', { code: 200, type: 'OAuthException' })
  }
  if (app.access === 'deactivated') {
    throw new GraphError(
      'API access deactivated. To reactivate the app, go to the App Dashboard.',
      { code: 200, type: 'OAuthException', status: 200 },
    )
  }
}

/** Whether the person may use the app: always when live, with a role in development mode. */
export function hasAccess(app: EmulatorApp, userId: string): boolean {
  if ((app.mode ?? 'live') === 'live') return true
  return (app.roles ?? []).some(
    (r) => r.userId === userId && (r.role !== 'tester' || r.accepted !== false),
  )
}

/**
 * graph.instagram.com's current refusal of someone without a role on an app in development
 * mode: the very text of the Basic Display shutdown, on every call.
 */
export function unsupportedRequest(method: string): GraphError {
  return new GraphError(`Unsupported request - method type: ${method.toLowerCase()}`, {
    code: 100,
    type: 'IGApiException',
  })
}

/** graph.instagram.com: refuses a person without a role, when that is how the app refuses. */
export function assertGraphInstagramRole(
  state: EmulatorState,
  app: EmulatorApp,
  userId: string,
  method: string,
): void {
  if (state.config.developmentModeRefusal !== 'unsupported-request') return
  if (!hasAccess(app, userId)) throw unsupportedRequest(method)
}

/** The older refusal, in the Instagram dialect of the dialog and the code exchange. */
export function assertInstagramDialogRole(
  state: EmulatorState,
  app: EmulatorApp,
  userId: string,
): void {
  if (state.config.developmentModeRefusal !== 'insufficient-developer-role') return
  if (!hasAccess(app, userId)) throw new InstagramOAuthError('Insufficient developer role')
}
