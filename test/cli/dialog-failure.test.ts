// The CLI's mapping of the login dialog's typed answer (src/meta/authorize-dialog.ts) to an error
// code and a `fix:` line, and the broker probe feeding it from a real emulator.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { probeAuthorizationDialog } from '../../src/broker/login-session.js'
import { dialogFailure } from '../../src/cli/login/finish.js'
import { classifyDialogResponse } from '../../src/meta/index.js'
import { IG_ID, META_ID, REDIRECT, authorizeUrl, emulator } from '../emulator/helpers.js'

const json = (body: string, status = 400) =>
  classifyDialogResponse({ status, contentType: 'application/json', location: null, body })

describe('dialogFailure', () => {
  test('each refusal gets its code and fix line', () => {
    const redirect = dialogFailure(
      json('{"error_type":"OAuthException","code":400,"error_message":"Invalid redirect_uri"}'),
      'https://localhost:8443/callback',
      'instagram-login',
    )
    assert.equal(redirect?.code, 'redirect_uri_not_registered')
    assert.match(redirect.fix ?? '', /register exactly https:\/\/localhost:8443\/callback/)
    const role = dialogFailure(
      json(
        '{"error_type":"OAuthException","code":400,"error_message":"Insufficient developer role"}',
      ),
      REDIRECT,
      'instagram-login',
    )
    assert.equal(role?.code, 'permission_missing')
    assert.match(role.fix ?? '', /tester/)
    const scope = dialogFailure(
      json('{"message":"Business and user permissions are mutually exclusive","status":"fail"}'),
      REDIRECT,
      'instagram-login',
    )
    assert.equal(scope?.code, 'scope_refused')
  })

  test('a page, an unreadable answer and a retry-later error let the browser go on', () => {
    const page = classifyDialogResponse({
      status: 200,
      contentType: 'text/html',
      location: null,
      body: '<p>Invalid platform app</p>',
    })
    assert.equal(dialogFailure(page, REDIRECT, 'instagram-login'), null)
    const html = classifyDialogResponse({
      status: 400,
      contentType: 'text/html',
      location: null,
      body: '<p>URL Blocked</p>',
    })
    assert.equal(dialogFailure(html, REDIRECT, 'facebook-login'), null)
    const busy = json('{"error":{"message":"Please retry","type":"OAuthException","code":2}}', 500)
    assert.equal(dialogFailure(busy, REDIRECT, 'instagram-login'), null)
  })
})

describe('probeAuthorizationDialog', () => {
  test('reads the emulator dialog: a wrong app id is refused, a good request is ok', async (t) => {
    const emu = await emulator(t)
    const params = {
      client_id: META_ID,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'instagram_business_basic',
    }
    const refused = await probeAuthorizationDialog(authorizeUrl(emu, 'www.instagram.com', params))
    assert.equal(refused.kind === 'json-error' && refused.refusal, 'invalid_platform_app')
    const fine = await probeAuthorizationDialog(
      authorizeUrl(emu, 'www.instagram.com', { ...params, client_id: IG_ID }),
    )
    assert.deepEqual(fine, { kind: 'ok' })
  })

  test('nobody answering is unknown, not a refusal', async () => {
    const answer = await probeAuthorizationDialog('http://127.0.0.1:9/oauth/authorize', {
      timeoutMs: 1000,
    })
    assert.deepEqual(answer, { kind: 'unknown', status: 0 })
  })
})
