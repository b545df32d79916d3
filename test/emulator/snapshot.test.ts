// The emulator's state survives a round trip through JSON: a token minted before is accepted
// after, a revoked one stays revoked, the clock keeps its offset, and a snapshot of another
// version is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEMO_APP, emulatorContextOf, startEmulator } from '../../src/emulator/index.js'
import type { EmulatorSnapshot } from '../../src/emulator/index.js'
import { BUSINESS, CREATOR } from './helpers.js'

const DAY = 86_400_000

async function me(url: string, token: string): Promise<number> {
  const res = await fetch(
    `${url}/graph.instagram.com/v25.0/me?fields=id&access_token=${encodeURIComponent(token)}`,
  )
  return res.status
}

test('snapshot → JSON → restore: tokens, revocations, users and the clock offset come back', async () => {
  const first = await startEmulator()
  let snapshot: EmulatorSnapshot
  let kept: string
  let revoked: string
  let added: string
  try {
    const mint = (userId: string) =>
      first.control.mintToken({ appId: DEMO_APP.instagramAppId, userId })
    kept = (await mint(BUSINESS)).access_token
    revoked = (await mint(CREATOR)).access_token
    await first.control.changePassword({ userId: CREATOR })
    added = (
      await first.control.addUser({
        kind: 'instagram',
        username: 'later_user',
        accountType: 'BUSINESS',
      })
    ).id
    await first.control.advanceClock(10 * DAY)
    snapshot = JSON.parse(
      JSON.stringify(emulatorContextOf(first.app).state.snapshot()),
    ) as EmulatorSnapshot
    // The snapshot is a copy: what happens afterwards does not show in it.
    await first.control.changePassword({ userId: BUSINESS })
  } finally {
    await first.close()
  }

  const second = await startEmulator()
  try {
    const before = (await second.control.getClock()).now
    emulatorContextOf(second.app).state.restore(snapshot)
    assert.equal(await me(second.url, kept), 200)
    assert.equal(await me(second.url, revoked), 400)
    const users = await second.control.users()
    assert.ok(users.some((u) => u['id'] === added))
    const after = (await second.control.getClock()).now
    assert.ok(after - before >= 10 * DAY - 5_000 && after - before < 10 * DAY + 5_000)
    assert.throws(() => {
      emulatorContextOf(second.app).state.restore({ ...snapshot, version: 2 } as never)
    }, /not an emulator snapshot of version 1/)
  } finally {
    await second.close()
  }
})

test('snapshot → restore keeps the Pages a person granted an app', async () => {
  const { FB_USER, META_ID, PAGE } = await import('./helpers.js')
  const first = await startEmulator()
  let snapshot: EmulatorSnapshot
  try {
    await first.control.setGrantedPages({ userId: FB_USER, appId: META_ID, pageIds: [PAGE] })
    snapshot = JSON.parse(
      JSON.stringify(emulatorContextOf(first.app).state.snapshot()),
    ) as EmulatorSnapshot
  } finally {
    await first.close()
  }
  const second = await startEmulator()
  try {
    const state = emulatorContextOf(second.app).state
    assert.equal(state.grantedPages.size, 0)
    state.restore(snapshot)
    assert.deepEqual([...(state.grantedPages.get(`${META_ID}:${FB_USER}`) ?? [])], [PAGE])
    // A snapshot written before Page choice existed still restores.
    const { grantedPages: _dropped, ...older } = snapshot
    const third = await startEmulator()
    try {
      emulatorContextOf(third.app).state.restore(older)
      assert.equal(emulatorContextOf(third.app).state.grantedPages.size, 0)
    } finally {
      await third.close()
    }
  } finally {
    await second.close()
  }
})
