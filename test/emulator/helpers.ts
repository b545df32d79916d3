/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- JSON bodies under test are untyped on purpose */
import {
  DEMO_APP,
  startEmulator,
  type RunningEmulator,
  type StartEmulatorOptions,
} from '../../src/emulator/index.js'

export const BUSINESS = '17841405793187218'
export const CREATOR = '17841405822304914'
export const PERSONAL = '17841400000000301'
export const FB_USER = '10150000000000001'
export const PAGE = '134895793791914'
export const REDIRECT = DEMO_APP.redirectUris[0]!
export const IG_ID = DEMO_APP.instagramAppId
export const IG_SECRET = DEMO_APP.instagramAppSecret
export const META_ID = DEMO_APP.metaAppId
export const META_SECRET = DEMO_APP.metaAppSecret
export const DAY = 86_400_000

/** Starts an emulator on a random port; closes it when the test ends. */
export async function emulator(
  t: { after: (fn: () => Promise<void>) => void },
  options: StartEmulatorOptions = {},
): Promise<RunningEmulator> {
  const emu = await startEmulator({ port: 0, ...options })
  t.after(() => emu.close())
  return emu
}

/** What a browser with JavaScript off sees in a form. */
export interface ParsedForm {
  method: string
  hidden: Record<string, string>
  radios: string[]
  checked: string | undefined
  buttons: { name: string; value: string; label: string }[]
}

const unescape = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)
  return m ? unescape(m[1]!) : undefined
}

/** Parses the first form of a page the way a browser would read its controls. */
export function parseForm(html: string): ParsedForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/.exec(html)
  if (!form) throw new Error('no form in page')
  const body = form[2]!
  const hidden: Record<string, string> = {}
  const radios: string[] = []
  let checked: string | undefined
  for (const [tag] of body.matchAll(/<input\b[^>]*>/g)) {
    const type = attr(tag, 'type')
    const name = attr(tag, 'name') ?? ''
    const value = attr(tag, 'value') ?? ''
    if (type === 'hidden') hidden[name] = value
    if (type === 'radio' && name === 'user_id') {
      radios.push(value)
      if (/\schecked\b/.test(tag)) checked = value
    }
  }
  const buttons = [...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/g)].map((m) => ({
    name: attr(m[1]!, 'name') ?? '',
    value: attr(m[1]!, 'value') ?? '',
    label: m[2]!.trim(),
  }))
  return {
    method: (attr(form[1]!, 'method') ?? 'get').toLowerCase(),
    hidden,
    radios,
    checked,
    buttons,
  }
}

/** Submits a parsed form as a JS-off browser does: urlencoded, to the page's own URL. */
export async function submitForm(
  pageUrl: string,
  form: ParsedForm,
  button: 'Allow' | 'Cancel',
  userId = form.checked,
): Promise<Response> {
  const fields = new URLSearchParams(form.hidden)
  if (userId !== undefined) fields.set('user_id', userId)
  const b = form.buttons.find((x) => x.label === button)
  if (!b) throw new Error(`no ${button} button`)
  fields.set(b.name, b.value)
  return fetch(pageUrl, {
    method: 'POST',
    body: fields,
    redirect: 'manual',
  })
}

/** Runs the consent page and returns the Location of the redirect. */
export async function consent(
  _emu: RunningEmulator,
  pageUrl: string,
  button: 'Allow' | 'Cancel' = 'Allow',
  userId?: string,
): Promise<string> {
  const page = await fetch(pageUrl)
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`)
  const form = parseForm(await page.text())
  const res = await submitForm(pageUrl, form, button, userId ?? form.checked)
  if (res.status !== 302)
    throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`)
  return res.headers.get('location') ?? ''
}

/** Authorize URL on one of the dialog hosts. */
export function authorizeUrl(
  emu: RunningEmulator,
  host: 'www.instagram.com' | 'api.instagram.com' | 'www.facebook.com',
  params: Record<string, string>,
): string {
  const path = host === 'www.facebook.com' ? '/v25.0/dialog/oauth' : '/oauth/authorize'
  return `${emu.url}/${host}${path}?${new URLSearchParams(params).toString()}`
}

/** Code extracted from a redirect Location (fragment stripped). */
export function codeFrom(location: string): string {
  const u = new URL(location)
  const code = u.searchParams.get('code')
  if (!code) throw new Error(`no code in ${location}`)
  return code
}

/** POSTs the Instagram code exchange (form-encoded). */
export function igExchange(
  emu: RunningEmulator,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(`${emu.url}/api.instagram.com/oauth/access_token`, {
    method: 'POST',
    body: new URLSearchParams(fields),
  })
}

/** A complete Instagram Login: returns a short-lived token. */
export async function igLogin(
  emu: RunningEmulator,
  userId = BUSINESS,
  scopes = ['instagram_business_basic'],
): Promise<string> {
  const { codes } = await emu.control.mintCodes({ appId: IG_ID, userId, scopes })
  const res = await igExchange(emu, {
    client_id: IG_ID,
    client_secret: IG_SECRET,
    grant_type: 'authorization_code',
    redirect_uri: REDIRECT,
    code: codes[0]!,
  })
  // Flat by default (live Meta), wrapped with `instagramExchangeShape: 'wrapped'`.
  const body = (await res.json()) as { access_token?: string; data?: { access_token: string }[] }
  return body.access_token ?? body.data![0]!.access_token
}

/** Short → long-lived Instagram token. */
export async function igLong(emu: RunningEmulator, short: string): Promise<string> {
  const res = await fetch(
    `${emu.url}/graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret=${IG_SECRET}&access_token=${short}`,
  )
  return ((await res.json()) as { access_token: string }).access_token
}

/** A Facebook Login: returns a short-lived user token. */
export async function fbLogin(emu: RunningEmulator, scopes?: string[]): Promise<string> {
  const { codes } = await emu.control.mintCodes({
    appId: META_ID,
    userId: FB_USER,
    flavor: 'facebook-login',
    ...(scopes ? { scopes } : {}),
  })
  const res = await fetch(
    `${emu.url}/graph.facebook.com/v25.0/oauth/access_token?${new URLSearchParams({ client_id: META_ID, client_secret: META_SECRET, redirect_uri: REDIRECT, code: codes[0]! }).toString()}`,
  )
  return ((await res.json()) as { access_token: string }).access_token
}

/** GET JSON with status and headers. */
export async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, init)
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: text === '' ? undefined : JSON.parse(text),
  }
}

/** Asserts the Graph envelope and returns its error. */
export function graphError(body: any): {
  message: string
  type: string
  code: number
  error_subcode?: number
  fbtrace_id: string
} {
  if (!body || typeof body.error !== 'object')
    throw new Error(`not a Graph error: ${JSON.stringify(body)}`)
  if (typeof body.error.fbtrace_id !== 'string') throw new Error('no fbtrace_id')
  return body.error
}
