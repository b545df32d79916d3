import { z } from 'zod'

const flavor = z.enum(['instagram-login', 'facebook-login', 'basic-display'])

/** Body of POST /_emulator/apps. */
export const appSchema = z.strictObject({
  name: z.string().min(1),
  metaAppId: z.string().regex(/^\d+$/),
  metaAppSecret: z.string().min(1),
  instagramAppId: z.string().regex(/^\d+$/),
  instagramAppSecret: z.string().min(1),
  redirectUris: z.array(z.string().min(1)),
  deauthorizeUrl: z.url().optional(),
  dataDeletionUrl: z.url().optional(),
  requireAppSecretProof: z.boolean().optional(),
  flavors: z.array(flavor).optional(),
  allowHttpRedirects: z.boolean().optional(),
  mode: z.enum(['live', 'development']).optional(),
  roles: z
    .array(
      z.strictObject({
        userId: z.string().regex(/^\d+$/),
        role: z.enum(['admin', 'developer', 'tester']),
        accepted: z.boolean().optional(),
      }),
    )
    .optional(),
  access: z.enum(['active', 'blocked', 'deactivated']).optional(),
})

/** Body of PATCH /_emulator/apps/:id (ids cannot change). */
export const appPatchSchema = appSchema.omit({ metaAppId: true, instagramAppId: true }).partial()

/** Body of POST /_emulator/users. */
export const userSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('instagram'),
    id: z.string().regex(/^\d+$/).optional(),
    username: z.string().min(1),
    name: z.string().optional(),
    accountType: z.enum(['BUSINESS', 'MEDIA_CREATOR', 'PERSONAL']),
    biography: z.string().optional(),
    website: z.string().optional(),
    profilePictureUrl: z.string().optional(),
    followersCount: z.number().int().nonnegative().optional(),
    followsCount: z.number().int().nonnegative().optional(),
    mediaCount: z.number().int().min(0).max(1000).optional(),
  }),
  z.strictObject({
    kind: z.literal('facebook'),
    id: z.string().regex(/^\d+$/).optional(),
    name: z.string().min(1),
    pages: z
      .array(
        z.strictObject({
          id: z.string().regex(/^\d+$/).optional(),
          name: z.string().min(1),
          instagramUserId: z.string().optional(),
        }),
      )
      .optional(),
  }),
])

/** Body of PUT /_emulator/clock. */
export const clockSetSchema = z.strictObject({ now: z.union([z.number(), z.string()]) })
/** Body of POST /_emulator/clock/advance. */
export const clockAdvanceSchema = z.strictObject({ ms: z.number() })

const share = z.number().min(0).max(1).optional()
/** Body of PUT /_emulator/faults. */
export const faultsSchema = z.strictObject({
  seed: z.number().int().optional(),
  rules: z.array(
    z.strictObject({
      match: z.strictObject({
        host: z.string().optional(),
        path: z.string().optional(),
        endpoint: z.string().optional(),
      }),
      latencyMs: z.number().int().min(0).max(600_000).optional(),
      errorRate: share,
      errorStatus: z.number().int().min(500).max(599).optional(),
      timeoutRate: share,
      holdMaxMs: z.number().int().min(0).max(600_000).optional(),
      htmlRate: share,
      malformedRate: share,
    }),
  ),
})

/** Body of PUT /_emulator/limits. */
export const limitsSchema = z.strictObject({
  windowMs: z.number().int().positive().optional(),
  appCalls: z.number().int().positive().optional(),
  userCalls: z.number().int().positive().optional(),
})

/** Body of PATCH /_emulator/config: behaviour switches that may change at run time. */
export const configPatchSchema = z.strictObject({
  graphVersion: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .optional(),
  shortLivedTokenSec: z.number().int().positive().optional(),
  longLivedTokenSec: z.number().int().positive().optional(),
  codeLifetimeSec: z.number().int().positive().optional(),
  refreshMinAgeSec: z.number().int().min(0).optional(),
  instagramExchangeShape: z.enum(['wrapped', 'flat']).optional(),
  basicDisplay: z.enum(['shut-down', 'before-shutdown']).optional(),
  developmentModeRefusal: z.enum(['unsupported-request', 'insufficient-developer-role']).optional(),
  refreshInvalidatesOld: z.boolean().optional(),
  refreshReturnsSameToken: z.boolean().optional(),
  callbackSecret: z.enum(['instagram', 'meta']).optional(),
  acceptUntimedAppsecretProof: z.boolean().optional(),
  appsecretProofOnInstagramGraph: z.boolean().optional(),
  dataAccessSec: z.number().int().positive().optional(),
  pageSize: z.number().int().min(1).max(100).optional(),
  callbackTimeoutMs: z.number().int().positive().optional(),
  requestLogLimit: z.number().int().positive().optional(),
})

/** Body of POST /_emulator/revoke and /delete-data. */
export const userAppSchema = z.strictObject({ userId: z.string().min(1), appId: z.string().min(1) })
/** Body of POST /_emulator/change-password. */
export const userOnlySchema = z.strictObject({ userId: z.string().min(1) })

/** Body of PUT /_emulator/users/:id/granted-pages: the Pages a person grants an app (null: all). */
export const grantedPagesSchema = z.strictObject({
  appId: z.string().min(1),
  pageIds: z.array(z.string().min(1)).max(1000).nullable(),
})
/** Body of POST /_emulator/page-tokens/revoke: invalidate one Page's tokens (of one app, or all). */
export const revokePageTokensSchema = z.strictObject({
  userId: z.string().min(1),
  pageId: z.string().min(1),
  appId: z.string().min(1).optional(),
})

/** Body of POST /_emulator/codes: mint codes without the consent page. */
export const mintCodesSchema = z.strictObject({
  appId: z.string().min(1),
  userId: z.string().min(1),
  flavor: flavor.optional(),
  redirectUri: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  count: z.number().int().min(1).max(200_000).optional(),
})

/** Body of POST /_emulator/tokens: mint a token directly (e.g. an old long-lived one). */
export const mintTokenSchema = z.strictObject({
  appId: z.string().min(1),
  userId: z.string().min(1),
  flavor: flavor.optional(),
  kind: z.enum(['short', 'long', 'page']).optional(),
  pageId: z.string().optional(),
  scopes: z.array(z.string()).optional(),
})

/** Query of GET /_emulator/requests. */
export const requestsQuerySchema = z.strictObject({
  endpoint: z.string().optional(),
  host: z.string().optional(),
  appId: z.string().optional(),
  userId: z.string().optional(),
  status: z.coerce.number().int().optional(),
  sinceSeq: z.coerce.number().int().optional(),
  method: z.string().optional(),
  /** `true`: the requests that have arrived and are not answered yet, instead of the log. */
  inFlight: z.enum(['true', 'false']).optional(),
})
