import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../app.js'

const SIZE = 320

// Everything SVG text could be abused with; a caption is user content (HOSTILE_TEST_USER's is
// a script probe) and an SVG opened on its own is a document that would run it.
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
}

// Cut at user-perceived characters, so an emoji in a caption is never split in half.
const SEGMENTER = new Intl.Segmenter('en', { granularity: 'grapheme' })
function graphemes(text: string): string[] {
  return Array.from(SEGMENTER.segment(text), (s) => s.segment)
}

/**
 * The placeholder picture of one media object: a square coloured from its id, with the first
 * letters of its caption large and the caption's start below. Deterministic, so a page shows
 * the same picture on every load and a test can compare it.
 */
export function placeholderSvg(mediaId: string, caption: string | undefined): string {
  const hue = createHash('sha256').update(mediaId).digest().readUInt16BE(0) % 360
  const text = (caption ?? '').trim()
  const chars = graphemes(text)
  const letters = escapeXml(chars.slice(0, 2).join('').toUpperCase() || '·')
  const line = escapeXml(chars.length > 28 ? `${chars.slice(0, 27).join('')}…` : text)
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" ` +
    `viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="${line}">` +
    `<rect width="${SIZE}" height="${SIZE}" fill="hsl(${hue} 55% 45%)"/>` +
    `<text x="50%" y="48%" text-anchor="middle" font-family="sans-serif" font-size="96" ` +
    `fill="#fff">${letters}</text>` +
    `<text x="50%" y="80%" text-anchor="middle" font-family="sans-serif" font-size="18" ` +
    `fill="#fff">${line}</text></svg>`
  )
}

/**
 * `GET /_emulator/media/<id>.svg`: the picture behind the emulator's `media_url` and
 * `thumbnail_url` (media.ts `placeholderPath`), so a feed shows images with no network. Public,
 * like Meta's CDN URLs; an unknown id is a 404.
 */
export function registerPlaceholderMedia(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get<{ Params: { file: string } }>('/media/:file', (req, reply) => {
    const id = /^(\d{1,40})\.svg$/.exec(req.params.file)?.[1]
    const media = id === undefined ? undefined : ctx.state.media.get(id)
    if (id === undefined || media === undefined) {
      return reply
        .code(404)
        .send({ error: { code: 'not_found', message: 'no such media placeholder' } })
    }
    return (
      reply
        .type('image/svg+xml; charset=utf-8')
        // Opened on its own the SVG is a document: it may draw, never run anything.
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=3600')
        .send(placeholderSvg(id, media.caption))
    )
  })
}
