import { createHash } from 'node:crypto'
import type { EmulatorMedia, MediaType } from './types.js'

const TYPES: readonly MediaType[] = ['IMAGE', 'VIDEO', 'CAROUSEL_ALBUM']
/** Newest generated post; fixed so that seeds are identical on every run. */
const NEWEST = Date.UTC(2025, 5, 1, 12, 0, 0)

function mediaId(ownerId: string, n: number): string {
  const digest = createHash('sha256').update(`${ownerId}/media/${n}`).digest()
  return '179' + (digest.readBigUInt64BE(0) % 10n ** 14n).toString().padStart(14, '0')
}

/**
 * Where a media object's picture is: the emulator's own placeholder image (routes/placeholder-
 * media.ts), so pages showing a feed have images offline. Stored as a path; a Graph answer makes
 * it absolute with the origin the caller reached the emulator at. The emulator has no video: a
 * video's `media_url` and `thumbnail_url` both name its placeholder image.
 */
export function placeholderPath(mediaId: string): string {
  return `/_emulator/media/${mediaId}.svg`
}

/** Meta writes timestamps as `2025-06-01T12:00:00+0000`. */
export function metaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000')
}

/**
 * Generates `count` deterministic posts for a user, newest first: images, videos (with
 * `thumbnail_url`) and carousels (with three children each).
 * @returns the top-level posts and every media object including carousel children
 */
export function generateMedia(
  ownerId: string,
  username: string,
  count: number,
): { top: EmulatorMedia[]; all: EmulatorMedia[] } {
  const top: EmulatorMedia[] = []
  const all: EmulatorMedia[] = []
  let n = 0
  for (let i = 0; i < count; i++) {
    const id = mediaId(ownerId, n++)
    const mediaType = TYPES[i % TYPES.length] ?? 'IMAGE'
    const timestamp = metaTimestamp(NEWEST - i * 36 * 3600 * 1000)
    const shortcode = createHash('sha256').update(id).digest('base64url').slice(0, 11)
    const media: EmulatorMedia = {
      id,
      ownerId,
      mediaType,
      caption: `Post ${count - i} by ${username}`,
      mediaUrl: placeholderPath(id),
      permalink: `https://www.instagram.com/p/${shortcode}/`,
      timestamp,
      likeCount: (i * 37) % 500,
      commentsCount: (i * 7) % 40,
    }
    if (mediaType === 'VIDEO') {
      media.thumbnailUrl = placeholderPath(id)
    }
    if (mediaType === 'CAROUSEL_ALBUM') {
      media.children = []
      for (let c = 0; c < 3; c++) {
        const childId = mediaId(ownerId, n++)
        const childType: MediaType = c === 1 ? 'VIDEO' : 'IMAGE'
        const child: EmulatorMedia = {
          id: childId,
          ownerId,
          mediaType: childType,
          mediaUrl: placeholderPath(childId),
          permalink: `https://www.instagram.com/p/${shortcode}/`,
          timestamp,
          likeCount: 0,
          commentsCount: 0,
        }
        if (childType === 'VIDEO') {
          child.thumbnailUrl = placeholderPath(childId)
        }
        media.children.push(childId)
        all.push(child)
      }
    }
    top.push(media)
    all.push(media)
  }
  return { top, all }
}
