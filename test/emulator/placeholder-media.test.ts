import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HOSTILE_TEST_USER } from '../../src/emulator/index.js'
import { BUSINESS, emulator, getJson, igLogin } from './helpers.js'

const HOSTILE = HOSTILE_TEST_USER.id ?? ''

/** The fields of a media listing this test reads. */
interface Media {
  readonly media_type: string
  readonly media_url: string
  readonly thumbnail_url?: string
  readonly caption?: string
  readonly children?: { readonly data: readonly Media[] }
}

function mediaOf(body: unknown): Media[] {
  return (body as { data: Media[] }).data
}

describe('the emulator serves placeholder images for its media (#15 item 12)', () => {
  test('every media_url and thumbnail_url of a listing answers 200 image/svg+xml', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu, BUSINESS)
    const list = await getJson(
      `${emu.url}/graph.instagram.com/v22.0/me/media?fields=id,media_type,media_url,thumbnail_url,caption,children{media_url,thumbnail_url}&limit=6&access_token=${token}`,
    )
    assert.equal(list.status, 200)
    const urls: string[] = []
    for (const m of mediaOf(list.body)) {
      urls.push(m.media_url)
      if (m.media_type === 'VIDEO') urls.push(m.thumbnail_url ?? 'no thumbnail_url')
      for (const c of m.children?.data ?? []) urls.push(c.media_url)
    }
    assert.ok(urls.length >= 8, `${urls.length} urls`)
    for (const url of urls) {
      // Absolute, on the origin the listing was asked at: a browser loads it as is.
      assert.ok(url.startsWith(`${emu.url}/_emulator/media/`), url)
      const res = await fetch(url)
      assert.equal(res.status, 200, url)
      assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/)
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/)
      assert.match(await res.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    }
  })

  test("the picture shows the caption's first letters, escaped", async (t) => {
    const emu = await emulator(t, { seedHostileUser: true })
    const token = await igLogin(emu, HOSTILE)
    const list = await getJson(
      `${emu.url}/graph.instagram.com/v22.0/me/media?fields=media_url,caption&access_token=${token}`,
    )
    const first = mediaOf(list.body)[0]
    assert.ok(first)
    assert.match(first.caption ?? '', /<script>/, 'the probe caption is raw in the Graph answer')
    const svg = await (await fetch(first.media_url)).text()
    assert.ok(!svg.includes('<script'), svg)
    assert.ok(!/<[a-z]+[^>]*\son[a-z]+=/i.test(svg), 'no event handler attribute')
    assert.match(svg, /&lt;script&gt;|&quot;&gt;/, 'the caption is there, escaped')
    assert.match(svg, />PO<\/text>/, 'the first letters, large')
  })

  test('an unknown or malformed media id is a 404, not a picture', async (t) => {
    const emu = await emulator(t)
    for (const file of ['999.svg', '..%2Fapp.svg', 'x.svg', '17841405793187218.png']) {
      const res = await fetch(`${emu.url}/_emulator/media/${file}`)
      assert.equal(res.status, 404, file)
    }
  })
})
