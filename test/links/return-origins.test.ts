import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkReturnTo, returnToUrl } from '../../src/broker/return-to.js'
import { loadConfig } from '../../src/config.js'

const PUBLIC = 'https://igtoken.example'
const ALLOWED = ['https://agency.example']

test('return_to may be a URL on the public origin or a configured one, nothing else', () => {
  assert.equal(
    checkReturnTo('https://agency.example/done?c=1', PUBLIC, ALLOWED),
    'https://agency.example/done?c=1',
  )
  assert.equal(checkReturnTo('https://igtoken.example/x', PUBLIC), 'https://igtoken.example/x')
  assert.equal(returnToUrl('https://agency.example/a', PUBLIC, ALLOWED), 'https://agency.example/a')
  for (const attack of [
    'https://agency.example.evil.com/',
    'https://agency.example@evil.com/',
    'https://user:pw@agency.example/',
    'http://agency.example/',
    'https://agency.example:444/',
    'https://agency.example\\@evil.com/',
    'https://evil.com/#https://agency.example',
  ]) {
    assert.throws(
      () => checkReturnTo(attack, PUBLIC, ALLOWED),
      { code: 'return_to_refused' },
      attack,
    )
  }
  // Without the list, another origin is refused as before.
  assert.throws(() => checkReturnTo('https://agency.example/', PUBLIC), {
    code: 'return_to_refused',
  })
  // A stored value the list no longer allows is refused at redirect time too.
  assert.throws(() => returnToUrl('https://agency.example/a', PUBLIC), {
    code: 'return_to_refused',
  })
})

test('IGTOKEN_CONNECT_LINK_RETURN_ORIGINS takes bare origins only', () => {
  const config = loadConfig(
    { IGTOKEN_CONNECT_LINK_RETURN_ORIGINS: 'https://agency.example, http://127.0.0.1:9000' },
    { envFile: false },
  )
  assert.deepEqual(config.returnOrigins, ['https://agency.example', 'http://127.0.0.1:9000'])
  for (const bad of ['agency.example', 'https://agency.example/path', 'ftp://x.example']) {
    assert.throws(
      () => loadConfig({ IGTOKEN_CONNECT_LINK_RETURN_ORIGINS: bad }, { envFile: false }),
      /IGTOKEN_CONNECT_LINK_RETURN_ORIGINS/,
      bad,
    )
  }
})
