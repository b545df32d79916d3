import type { EmulatorApp, EmulatorUserInput } from './types.js'

/**
 * The app used when none is given. Its ids and secrets are public on purpose: they only ever
 * work against the emulator.
 */
export const DEMO_APP: EmulatorApp = Object.freeze({
  name: 'igtoken demo',
  metaAppId: '1000000000000001',
  metaAppSecret: 'demo-meta-app-secret-0000000000000',
  instagramAppId: '2000000000000002',
  instagramAppSecret: 'demo-instagram-app-secret-00000000',
  redirectUris: ['http://127.0.0.1:8787/callback', 'https://localhost:8443/callback'],
  flavors: ['instagram-login', 'facebook-login', 'basic-display'],
  allowHttpRedirects: true,
}) as EmulatorApp

/**
 * Deterministic users seeded by default: a Business and a Creator account, a personal account
 * (Basic Display only), and a Facebook user whose Page is linked to the Creator account.
 */
export const DEFAULT_TEST_USERS: readonly EmulatorUserInput[] = Object.freeze([
  {
    kind: 'instagram',
    id: '17841405793187218',
    username: 'emu_business',
    name: 'Emulator Business',
    accountType: 'BUSINESS',
    biography: 'A business account seeded by the igtoken emulator.',
    website: 'https://example.com/',
    followersCount: 4200,
    followsCount: 180,
    mediaCount: 30,
  },
  {
    kind: 'instagram',
    id: '17841405822304914',
    username: 'emu_creator',
    name: 'Emulator Creator',
    accountType: 'MEDIA_CREATOR',
    followersCount: 98000,
    followsCount: 320,
    mediaCount: 12,
  },
  {
    kind: 'instagram',
    id: '17841400000000301',
    username: 'emu_personal',
    name: 'Emulator Personal',
    accountType: 'PERSONAL',
    followersCount: 80,
    followsCount: 95,
    mediaCount: 5,
  },
  {
    kind: 'facebook',
    id: '10150000000000001',
    name: 'Emulator Facebook User',
    pages: [
      { id: '134895793791914', name: 'Emulator Page', instagramUserId: '17841405822304914' },
      { id: '134895793791915', name: 'Emulator Page Without Instagram' },
    ],
  },
] satisfies EmulatorUserInput[])

/** Seeded only with `seedHostileUser`: a username made to test HTML escaping in dashboards. */
export const HOSTILE_TEST_USER: Readonly<EmulatorUserInput> = Object.freeze({
  kind: 'instagram',
  id: '17841400000000666',
  username: '"><script>alert(1)</script>',
  name: '<img src=x onerror=alert(1)> & "friends"',
  accountType: 'BUSINESS',
  mediaCount: 2,
} satisfies EmulatorUserInput)
