import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  IGW_DEPRECATED_FLAVOR,
  IGW_DEPRECATED_SCOPE,
  IGW_MISSPELLED_SCOPE,
  IGW_UNKNOWN_SCOPE,
  createMetaClient,
  emulatorBaseUrls,
  getFlavor,
  META_HOSTS,
} from '../../src/index.js'
import type { FlavorName, MetaClientOptions } from '../../src/index.js'

function make(flavor: FlavorName, extra: Partial<MetaClientOptions> = {}) {
  const warnings: [string, string][] = []
  const client = createMetaClient({
    flavor,
    appId: '990000000000001',
    appSecret: 'secret',
    redirectUri: 'https://app.example/callback/',
    onWarning: (message, code) => warnings.push([message, code]),
    ...extra,
  })
  return { client, warnings }
}

describe('buildAuthorizationUrl failures', () => {
  test('missing or empty state is ERR_INVALID_ARG_VALUE', () => {
    const { client } = make('instagram-login')
    assert.throws(() => client.buildAuthorizationUrl({} as { state: string }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => client.buildAuthorizationUrl({ state: '' }), {
      code: 'ERR_INVALID_ARG_VALUE',
      message: '"state" must not be empty',
    })
  })

  test('options of another flavor are refused', () => {
    assert.throws(
      () => make('instagram-login').client.buildAuthorizationUrl({ state: 's', configId: '1' }),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    )
    assert.throws(
      () =>
        make('facebook-login').client.buildAuthorizationUrl({ state: 's', enableFbLogin: true }),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    )
    assert.throws(
      () => make('basic-display').client.buildAuthorizationUrl({ state: 's', forceReauth: true }),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    )
  })

  test('configId together with scopes, empty scopes, scopes with commas', () => {
    const { client } = make('facebook-login')
    assert.throws(
      () => client.buildAuthorizationUrl({ state: 's', configId: '1', scopes: ['email'] }),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    )
    assert.throws(() => client.buildAuthorizationUrl({ state: 's', scopes: [] }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => client.buildAuthorizationUrl({ state: 's', scopes: ['a,b'] }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })

  test('bad client options', () => {
    const base = {
      flavor: 'instagram-login',
      appId: '1',
      appSecret: 's',
      redirectUri: 'https://a.example/cb',
    } as const
    assert.throws(() => createMetaClient({ ...base, flavor: 'nope' as FlavorName }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => createMetaClient({ ...base, appSecret: '' }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => createMetaClient({ ...base, redirectUri: 'https://a.example/#/cb' }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => createMetaClient({ ...base, graphVersion: '25' }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => createMetaClient({ ...base, timeoutMs: 0 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => createMetaClient({ ...base, retries: 1.5 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(
      () =>
        createMetaClient({
          ...base,
          baseUrls: { 'evil.example': 'http://x' } as Record<string, string>,
        }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    )
    assert.throws(
      () => createMetaClient({ ...base, baseUrls: { 'graph.instagram.com': 'ftp://x' } }),
      {
        code: 'ERR_INVALID_ARG_VALUE',
      },
    )
  })
})

describe('buildAuthorizationUrl', () => {
  test('Instagram Login: www.instagram.com, default scope, optional parameters', () => {
    const { client, warnings } = make('instagram-login')
    const url = new URL(
      client.buildAuthorizationUrl({
        state: 'st 1/é',
        enableFbLogin: false,
        forceAuthentication: true,
        forceReauth: true,
      }),
    )
    assert.equal(url.origin + url.pathname, 'https://www.instagram.com/oauth/authorize')
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: '990000000000001',
      redirect_uri: 'https://app.example/callback/',
      response_type: 'code',
      scope: 'instagram_business_basic',
      state: 'st 1/é',
      enable_fb_login: '0',
      force_authentication: '1',
      force_reauth: 'true',
    })
    assert.deepEqual(warnings, [])
  })

  test('misspelled and deprecated scopes get a warning naming the right one; unknown pass through', () => {
    const { client, warnings } = make('instagram-login')
    const url = new URL(
      client.buildAuthorizationUrl({
        state: 's',
        scopes: [
          'instagram_business_basic',
          'instagram_business_content_publishing',
          'business_basic',
          'foo_bar',
        ],
      }),
    )
    assert.equal(
      url.searchParams.get('scope'),
      'instagram_business_basic,instagram_business_content_publishing,business_basic,foo_bar',
    )
    assert.deepEqual(
      warnings.map(([, code]) => code),
      [IGW_MISSPELLED_SCOPE, IGW_DEPRECATED_SCOPE, IGW_UNKNOWN_SCOPE],
    )
    assert.match(warnings[0]![0], /"instagram_business_content_publish"/)
    assert.match(warnings[1]![0], /"instagram_business_basic"/)
  })

  test('Facebook Login: versioned dialog, auth_type, config_id in place of scope', () => {
    const { client } = make('facebook-login', { graphVersion: 'v26.0' })
    const withScope = new URL(client.buildAuthorizationUrl({ state: 's', authType: 'rerequest' }))
    assert.equal(
      withScope.origin + withScope.pathname,
      'https://www.facebook.com/v26.0/dialog/oauth',
    )
    assert.equal(
      withScope.searchParams.get('scope'),
      'instagram_basic,pages_show_list,pages_read_engagement,business_management',
    )
    assert.equal(withScope.searchParams.get('auth_type'), 'rerequest')
    const withConfig = new URL(client.buildAuthorizationUrl({ state: 's', configId: '123456' }))
    assert.equal(withConfig.searchParams.get('config_id'), '123456')
    assert.equal(withConfig.searchParams.has('scope'), false)
    assert.equal(withConfig.searchParams.get('response_type'), 'code')
  })

  test('Basic Display: api.instagram.com and a deprecation warning on creation', () => {
    const { client, warnings } = make('basic-display')
    assert.deepEqual(
      warnings.map(([, c]) => c),
      [IGW_DEPRECATED_FLAVOR],
    )
    assert.match(warnings[0]![0], /2024-12-04/)
    const url = new URL(client.buildAuthorizationUrl({ state: 's' }))
    assert.equal(url.origin + url.pathname, 'https://api.instagram.com/oauth/authorize')
    assert.equal(url.searchParams.get('scope'), 'user_profile,user_media')
  })

  test('without onWarning the warning goes to process.emitWarning', async () => {
    const seen = new Promise<Error>((resolve) => process.once('warning', resolve))
    createMetaClient({
      flavor: 'basic-display',
      appId: '1',
      appSecret: 's',
      redirectUri: 'https://a.example/cb',
    })
    const warning = (await seen) as Error & { code?: string }
    assert.equal(warning.code, IGW_DEPRECATED_FLAVOR)
    assert.equal(warning.name, 'IgtokenWarning')
  })

  test('emulator base URLs put every host under a path prefix', () => {
    const urls = emulatorBaseUrls('http://127.0.0.1:4000/')
    assert.deepEqual(Object.keys(urls).sort(), [...META_HOSTS].sort())
    assert.equal(urls['graph.instagram.com'], 'http://127.0.0.1:4000/graph.instagram.com')
    const { client } = make('instagram-login', { baseUrls: urls })
    assert.ok(
      client
        .buildAuthorizationUrl({ state: 's' })
        .startsWith('http://127.0.0.1:4000/www.instagram.com/oauth/authorize?'),
    )
  })

  test('flavor data', () => {
    const ig = getFlavor('instagram-login')
    assert.equal(ig.minRefreshAgeSeconds, 86_400)
    assert.equal(ig.refreshable, true)
    assert.equal(getFlavor('facebook-login').refreshable, false)
    assert.equal(getFlavor('basic-display').deprecated?.since, '2024-12-04')
    assert.throws(() => getFlavor('x' as FlavorName), { code: 'ERR_INVALID_ARG_VALUE' })
  })
})
