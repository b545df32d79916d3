/**
 * Answers the emulator's consent page as a browser with JavaScript off would: reads the form's
 * hidden fields and the picked user, and submits it with the chosen button.
 */
export async function answerConsent(
  authorizeUrl: string,
  decision: 'allow' | 'cancel',
  options: { userId?: string } = {},
): Promise<string> {
  const page = await fetch(authorizeUrl)
  const html = await page.text()
  if (page.status !== 200)
    throw new Error(`consent page answered ${page.status}: ${html.slice(0, 200)}`)
  const form = /<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html)?.[1]
  if (form === undefined) throw new Error('no form on the consent page')
  const fields = new URLSearchParams()
  for (const input of form.matchAll(/<input([^>]*)>/g)) {
    const attrs = input[1] ?? ''
    const name = /name="([^"]*)"/.exec(attrs)?.[1]
    const value = unescapeHtml(/value="([^"]*)"/.exec(attrs)?.[1] ?? '')
    const type = /type="([^"]*)"/.exec(attrs)?.[1]
    if (name === undefined) continue
    if (type === 'radio') {
      const wanted =
        options.userId === undefined ? attrs.includes('checked') : value === options.userId
      if (wanted) fields.set(name, value)
    } else if (type === 'checkbox') {
      // As a browser: only checked boxes are sent (the Facebook dialog's Page choice).
      if (/\schecked\b/.test(attrs)) fields.append(name, value)
    } else fields.append(name, value)
  }
  fields.set('decision', decision)
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1]
  const target =
    action === undefined ? authorizeUrl : new URL(unescapeHtml(action), authorizeUrl).href
  const answer = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  })
  const location = answer.headers.get('location')
  if (location === null) throw new Error(`consent answered ${answer.status} without a redirect`)
  return location
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}
