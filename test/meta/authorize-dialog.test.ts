// The login dialog's answers, classified by structure (status, Location, JSON error body) in
// src/meta/authorize-dialog.ts: every dialog answer of the corpus of what live Meta sent, and the
// emulator's real answers to a wrong app id, an unregistered redirect URI and a development-mode
// refusal, each read a second way (the raw JSON body) besides the classifier.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { classifyDialogResponse } from '../../src/meta/index.js'
import type { DialogAnswer, DialogRefusal } from '../../src/meta/index.js'
import { CORPUS, wireBody } from '../contract/corpus.js'
import {
  IG_ID,
  META_ID,
  REDIRECT,
  authorizeUrl,
  emulator,
  parseForm,
  submitForm,
} from '../emulator/helpers.js'

/** What each dialog answer of the corpus means. */
const CORPUS_DIALOG: Readonly<Record<string, DialogRefusal>> = {
  R20: 'redirect_uri_not_registered',
  R26: 'scope_refused',
  R48: 'scope_refused',
}

async function answerOf(response: Response): Promise<{ answer: DialogAnswer; body: string }> {
  const body = await response.text()
  const answer = classifyDialogResponse({
    status: response.status,
    contentType: response.headers.get('content-type'),
    location: response.headers.get('location'),
    body,
  })
  return { answer, body }
}

function refusalOf(answer: DialogAnswer): DialogRefusal | null | undefined {
  return answer.kind === 'json-error' || answer.kind === 'redirect-error'
    ? answer.refusal
    : undefined
}

const IG_PARAMS = {
  client_id: IG_ID,
  redirect_uri: REDIRECT,
  response_type: 'code',
  scope: 'instagram_business_basic',
  state: 'probe',
}

describe('classifyDialogResponse over the corpus', () => {
  test('every dialog answer live Meta sent is a JSON error with its refusal', () => {
    const dialog = CORPUS.filter((e) => /oauth\/authorize|^authorize/i.test(e.endpoint))
    assert.deepEqual(dialog.map((e) => e.id).sort(), Object.keys(CORPUS_DIALOG).sort())
    for (const entry of dialog) {
      const answer = classifyDialogResponse({
        status: entry.status ?? 400,
        contentType: 'application/json; charset=utf-8',
        location: null,
        body: wireBody(entry),
      })
      assert.equal(answer.kind, 'json-error', entry.id)
      assert.equal(refusalOf(answer), CORPUS_DIALOG[entry.id], entry.id)
      assert.equal(answer.classification.action, 'fix-request')
    }
  })

  test('a JSON body is recognised without a JSON content type (Meta sends text/javascript too)', () => {
    const answer = classifyDialogResponse({
      status: 400,
      contentType: 'text/javascript; charset=UTF-8',
      location: null,
      body: '{"error_type":"OAuthException","code":400,"error_message":"Invalid platform app"}',
    })
    assert.equal(refusalOf(answer), 'invalid_platform_app')
  })

  test('Graph code 191 is an unregistered redirect URI whatever the wording (a localised one)', () => {
    const answer = classifyDialogResponse({
      status: 400,
      contentType: 'application/json',
      location: null,
      body: '{"error":{"message":"URI de redirection non valide","type":"OAuthException","code":191}}',
    })
    assert.equal(refusalOf(answer), 'redirect_uri_not_registered')
  })

  test('a redirect carrying OAuth error parameters is a redirect-error; one without is ok', () => {
    const answer = classifyDialogResponse({
      status: 302,
      contentType: null,
      location: `${REDIRECT}?error=invalid_scope&error_reason=bad&error_description=Nope+here#_`,
      body: '',
    })
    assert.deepEqual(answer, {
      kind: 'redirect-error',
      error: 'invalid_scope',
      reason: 'bad',
      description: 'Nope here',
      refusal: 'scope_refused',
    })
    const login = classifyDialogResponse({
      status: 302,
      contentType: 'text/html',
      location: '/accounts/login/?next=%2Foauth%2Fauthorize',
      body: '',
    })
    assert.deepEqual(login, { kind: 'ok' })
  })

  test('an HTML error page, a 200 page and junk are not read for words', () => {
    for (const body of ['<html><body>Invalid platform app</body></html>', '{not json', '']) {
      assert.deepEqual(
        classifyDialogResponse({ status: 400, contentType: 'text/html', location: null, body }),
        { kind: 'unknown', status: 400 },
      )
      assert.deepEqual(
        classifyDialogResponse({ status: 200, contentType: 'text/html', location: null, body }),
        { kind: 'ok' },
      )
    }
  })
})

describe("classifyDialogResponse over the emulator's real answers", () => {
  test('a wrong app id (the Meta app id on the Instagram dialog) is invalid_platform_app', async (t) => {
    const emu = await emulator(t)
    const response = await fetch(
      authorizeUrl(emu, 'www.instagram.com', { ...IG_PARAMS, client_id: META_ID }),
      { redirect: 'manual' },
    )
    const { answer, body } = await answerOf(response)
    assert.equal(
      (JSON.parse(body) as { error_message: string }).error_message,
      'Invalid platform app',
    )
    assert.equal(refusalOf(answer), 'invalid_platform_app')
  })

  test('an unregistered redirect URI is redirect_uri_not_registered, and nothing redirects', async (t) => {
    const emu = await emulator(t)
    const response = await fetch(
      authorizeUrl(emu, 'www.instagram.com', { ...IG_PARAMS, redirect_uri: `${REDIRECT}/` }),
      { redirect: 'manual' },
    )
    assert.equal(response.headers.get('location'), null)
    const { answer, body } = await answerOf(response)
    assert.equal(
      (JSON.parse(body) as { error_message: string }).error_message,
      'Invalid redirect_uri',
    )
    assert.equal(refusalOf(answer), 'redirect_uri_not_registered')
  })

  test('a development-mode refusal of a person without a role is no_developer_role', async (t) => {
    const emu = await emulator(t, {
      apps: [{ ...DEMO_APP, mode: 'development', roles: [] }],
      config: { developmentModeRefusal: 'insufficient-developer-role' },
    })
    const pageUrl = authorizeUrl(emu, 'www.instagram.com', IG_PARAMS)
    const page = await fetch(pageUrl)
    assert.equal(page.status, 200)
    const response = await submitForm(pageUrl, parseForm(await page.text()), 'Allow')
    const { answer, body } = await answerOf(response)
    assert.equal(
      (JSON.parse(body) as { error_message: string }).error_message,
      'Insufficient developer role',
    )
    assert.equal(refusalOf(answer), 'no_developer_role')
    assert.equal(answer.kind === 'json-error' && answer.classification.action, 'permission')
  })

  test('a good request is a page for a person (ok)', async (t) => {
    const emu = await emulator(t)
    const response = await fetch(authorizeUrl(emu, 'www.instagram.com', IG_PARAMS), {
      redirect: 'manual',
    })
    assert.deepEqual((await answerOf(response)).answer, { kind: 'ok' })
  })
})
