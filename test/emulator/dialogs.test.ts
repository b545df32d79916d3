import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BUSINESS,
  CREATOR,
  FB_USER,
  IG_ID,
  META_ID,
  PERSONAL,
  REDIRECT,
  authorizeUrl,
  codeFrom,
  consent,
  emulator,
  parseForm,
  submitForm,
} from './helpers.js'

const IG_PARAMS = {
  client_id: IG_ID,
  redirect_uri: REDIRECT,
  response_type: 'code',
  scope: 'instagram_business_basic,instagram_business_manage_comments',
  state: 'st&te=1 ü',
}

describe('§2.2 Instagram Login dialog (www.instagram.com)', () => {
  test('a bad client_id is refused as JSON in the Instagram dialect and never redirects', async (t) => {
    const emu = await emulator(t)
    for (const clientId of ['999', META_ID]) {
      const res = await fetch(
        authorizeUrl(emu, 'www.instagram.com', { ...IG_PARAMS, client_id: clientId }),
        { redirect: 'manual' },
      )
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('location'), null)
      assert.match(res.headers.get('content-type') ?? '', /application\/json/)
      assert.deepEqual(await res.json(), {
        error_type: 'OAuthException',
        code: 400,
        error_message: 'Invalid platform app',
      })
    }
  })

  test('a redirect_uri that is not registered exactly (trailing slash) is refused with a page', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(
      authorizeUrl(emu, 'www.instagram.com', { ...IG_PARAMS, redirect_uri: `${REDIRECT}/` }),
      { redirect: 'manual' },
    )
    assert.equal(res.status, 400)
    assert.equal(res.headers.get('location'), null)
    assert.match(await res.text(), /Invalid redirect_uri/)
  })

  test('http redirect URIs are refused when the app disallows them', async (t) => {
    const emu = await emulator(t)
    await emu.control.updateApp(IG_ID, { allowHttpRedirects: false })
    const res = await fetch(authorizeUrl(emu, 'www.instagram.com', IG_PARAMS))
    assert.equal(res.status, 400)
    assert.match(await res.text(), /Invalid redirect_uri/)
  })

  test('unknown and deprecated scopes answer "Invalid scope: [...]"', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(
      authorizeUrl(emu, 'www.instagram.com', {
        ...IG_PARAMS,
        scope: 'business_basic,instagram_business_basic',
      }),
    )
    assert.equal(res.status, 400)
    assert.equal(
      ((await res.json()) as { error_message: string }).error_message,
      'Invalid scope: [business_basic]',
    )
  })

  test('missing parameters show the legacy message', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(`${emu.url}/www.instagram.com/oauth/authorize?client_id=${IG_ID}`)
    assert.equal(res.status, 400)
    assert.match(
      await res.text(),
      /You must include a valid client_id, response_type, and redirect_uri parameters/,
    )
  })

  test('the page lists professional accounts only, with hidden fields and two buttons', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(authorizeUrl(emu, 'www.instagram.com', IG_PARAMS))
    assert.equal(res.status, 200)
    const html = await res.text()
    assert.match(html, /igtoken demo/)
    assert.match(html, /Read, reply to and delete comments/)
    const form = parseForm(html)
    assert.equal(form.method, 'post')
    assert.deepEqual(form.radios, [BUSINESS, CREATOR])
    assert.ok(!form.radios.includes(PERSONAL))
    assert.equal(form.hidden['state'], IG_PARAMS.state)
    assert.equal(form.hidden['redirect_uri'], REDIRECT)
    assert.deepEqual(form.buttons.map((b) => b.label).sort(), ['Allow', 'Cancel'])
  })

  test('Cancel redirects with access_denied, user_denied and the unchanged state', async (t) => {
    const emu = await emulator(t)
    const location = await consent(emu, authorizeUrl(emu, 'www.instagram.com', IG_PARAMS), 'Cancel')
    assert.ok(
      location.startsWith(
        `${REDIRECT}?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request`,
      ),
    )
    assert.equal(new URL(location).searchParams.get('state'), IG_PARAMS.state)
    assert.equal(new URL(location).searchParams.get('code'), null)
  })

  test('Allow redirects with a code, the unchanged state and the #_ fragment', async (t) => {
    const emu = await emulator(t)
    const location = await consent(
      emu,
      authorizeUrl(emu, 'www.instagram.com', IG_PARAMS),
      'Allow',
      CREATOR,
    )
    assert.ok(location.startsWith(`${REDIRECT}?code=`))
    assert.ok(location.endsWith('#_'))
    const u = new URL(location)
    assert.equal(u.hash, '#_')
    assert.equal(u.searchParams.get('state'), IG_PARAMS.state)
    assert.match(codeFrom(location), /^AQ[A-Za-z0-9_-]{100,}$/)
  })

  test('the POST re-validates tampered hidden fields and user choices', async (t) => {
    const emu = await emulator(t)
    const pageUrl = authorizeUrl(emu, 'www.instagram.com', IG_PARAMS)
    const form = parseForm(await (await fetch(pageUrl)).text())
    const evil = { ...form, hidden: { ...form.hidden, redirect_uri: 'https://evil.example/cb' } }
    const r1 = await submitForm(pageUrl, evil, 'Allow')
    assert.equal(r1.status, 400)
    assert.equal(r1.headers.get('location'), null)
    const r2 = await submitForm(pageUrl, form, 'Allow', PERSONAL)
    assert.equal(r2.status, 400)
    assert.equal(r2.headers.get('location'), null)
    assert.equal((await emu.control.requests({ endpoint: 'ig.authorize', status: 302 })).length, 0)
  })
})

describe('§1.1 Basic Display dialog (api.instagram.com)', () => {
  test('shut down by default: the dialog refuses Basic Display scopes', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(
      authorizeUrl(emu, 'api.instagram.com', {
        client_id: IG_ID,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'user_profile,user_media',
      }),
      { redirect: 'manual' },
    )
    assert.equal(res.status, 400)
    assert.equal(res.headers.get('location'), null)
    assert.deepEqual(await res.json(), {
      error_type: 'OAuthException',
      code: 400,
      error_message: 'Invalid scope: [user_profile,user_media]',
    })
  })

  test('before-shutdown: user_profile is required; personal accounts are offered', async (t) => {
    const emu = await emulator(t, { config: { basicDisplay: 'before-shutdown' } })
    const bad = await fetch(
      authorizeUrl(emu, 'api.instagram.com', {
        client_id: IG_ID,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'user_media',
      }),
    )
    assert.equal(bad.status, 400)
    const url = authorizeUrl(emu, 'api.instagram.com', {
      client_id: IG_ID,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'user_profile,user_media',
    })
    const form = parseForm(await (await fetch(url)).text())
    assert.ok(form.radios.includes(PERSONAL))
    const location = await consent(emu, url, 'Allow', PERSONAL)
    assert.ok(location.endsWith('#_'))
  })

  test('api.instagram.com also serves Instagram Login scopes', async (t) => {
    const emu = await emulator(t)
    const url = authorizeUrl(emu, 'api.instagram.com', IG_PARAMS)
    const form = parseForm(await (await fetch(url)).text())
    assert.deepEqual(form.radios, [BUSINESS, CREATOR])
  })
})

describe('§3.1 Facebook Login dialog (www.facebook.com/vNN.0/dialog/oauth)', () => {
  const FB_PARAMS = {
    client_id: META_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'instagram_basic,pages_show_list',
    state: 'abc',
  }

  test('the Instagram app id is not a Facebook app id', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(
      authorizeUrl(emu, 'www.facebook.com', { ...FB_PARAMS, client_id: IG_ID }),
      { redirect: 'manual' },
    )
    assert.equal(res.status, 400)
    assert.match(await res.text(), /Invalid App ID/)
  })

  test('an unregistered redirect URI shows "URL Blocked"', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(
      authorizeUrl(emu, 'www.facebook.com', {
        ...FB_PARAMS,
        redirect_uri: 'https://evil.example/',
      }),
      { redirect: 'manual' },
    )
    assert.equal(res.status, 400)
    assert.match(await res.text(), /URL Blocked/)
  })

  test('unknown scopes show "Invalid Scopes"', async (t) => {
    const emu = await emulator(t)
    const res = await fetch(
      authorizeUrl(emu, 'www.facebook.com', { ...FB_PARAMS, scope: 'instagram_basic,nope' }),
    )
    assert.equal(res.status, 400)
    assert.match(await res.text(), /Invalid Scopes: nope/)
  })

  test('Allow redirects with code, state and #_=_; the picker lists Facebook users', async (t) => {
    const emu = await emulator(t)
    const url = authorizeUrl(emu, 'www.facebook.com', FB_PARAMS)
    const form = parseForm(await (await fetch(url)).text())
    assert.deepEqual(form.radios, [FB_USER])
    const location = await consent(emu, url)
    assert.ok(location.endsWith('#_=_'))
    assert.equal(new URL(location).searchParams.get('state'), 'abc')
  })
})

describe('consent page escaping', () => {
  test('the hostile seeded user is escaped in the picker', async (t) => {
    const emu = await emulator(t, { seedHostileUser: true })
    const html = await (
      await fetch(
        authorizeUrl(emu, 'www.instagram.com', { ...IG_PARAMS, state: '"><script>x()</script>' }),
      )
    ).text()
    assert.ok(!html.includes('<script>'))
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
    assert.equal(parseForm(html).hidden['state'], '"><script>x()</script>')
  })

  test('without seedHostileUser the hostile user does not exist', async (t) => {
    const emu = await emulator(t)
    const users = await emu.control.users()
    assert.ok(!users.some((u) => String(u['username']).includes('<script>')))
  })
})
