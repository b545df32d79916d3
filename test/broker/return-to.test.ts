import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkReturnTo, returnToUrl } from '../../src/broker/return-to.js'

const PUBLIC = 'https://igtoken.example'

/** What a browser does with a Location header: resolve it against the page it came from. */
function browserTarget(location: string): URL {
  return new URL(location, `${PUBLIC}/callback?code=x&state=y`)
}

describe('return_to after connect', () => {
  test('paths that normalise to another origin are refused (dot segments, encoded dots, backslashes, schemes)', () => {
    const attacks = [
      '//evil.com',
      '/.//evil.com',
      '/..//evil.com',
      '/%2e//evil.com',
      '/%2E%2E//evil.com',
      '/a/..//evil.com',
      '/a/b/../..//evil.com',
      '/././/evil.com/x?y#z',
      '/\\evil.com',
      '/%5c%5cevil.com',
      'https://evil.com/',
      'javascript:alert(1)',
      'evil.com',
      '/\tevil',
      '/\n/evil.com',
    ]
    for (const attack of attacks) {
      let accepted: string | undefined
      try {
        accepted = checkReturnTo(attack, PUBLIC)
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'return_to_refused', attack)
        continue
      }
      // Accepted only if a browser following it would still be on our origin.
      assert.ok(accepted !== undefined, attack)
      assert.equal(browserTarget(accepted).origin, PUBLIC, `${attack} → ${accepted}`)
      assert.ok(!accepted.startsWith('//'), `${attack} → ${accepted}`)
    }
    for (const attack of ['/.//evil.com', '/..//x', '/%2e//x', '/a/..//x']) {
      assert.throws(() => checkReturnTo(attack, PUBLIC), { code: 'return_to_refused' }, attack)
    }
  })

  test('same-site paths are kept, normalised, and become absolute URLs on the public origin', () => {
    assert.equal(checkReturnTo(undefined, PUBLIC), undefined)
    assert.equal(checkReturnTo('', PUBLIC), undefined)
    assert.equal(checkReturnTo('/done', PUBLIC), '/done')
    assert.equal(checkReturnTo('/a/../done?x=1#top', PUBLIC), '/done?x=1#top')
    assert.equal(returnToUrl('/done?x=1', PUBLIC), 'https://igtoken.example/done?x=1')
    assert.equal(
      returnToUrl('/done', 'https://igtoken.example/prefix/'),
      'https://igtoken.example/done',
    )
    assert.throws(() => returnToUrl('//evil.com', PUBLIC), { code: 'return_to_refused' })
  })
})
