// Label selectors as kubectl reads them (static/clusterviz/selector.js); the cases bench/frontend/checks.py checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseSelector, selectorMatches } from '../../static/clusterviz/selector.js';

const LABELS = { app: 'web', tier: 'fe', 'example.com/x': '1' };
const matches = (text, labels = LABELS) => {
  const parsed = parseSelector(text);
  assert.ok(parsed.ok, text + ': ' + parsed.error);
  return selectorMatches(parsed.reqs, labels);
};

test('equality: = and == require the value, != excludes it (a missing key is not equal)', () => {
  assert.ok(matches('app=web'));
  assert.ok(matches('app==web'));
  assert.ok(!matches('app!=web'));
  assert.ok(matches('app!=api'));
  assert.ok(matches('missing!=x'));
  assert.ok(!matches('app=api'));
});

test('sets: in needs one of the values, notin none of them (a missing key is not in)', () => {
  assert.ok(matches('tier in (fe,be)'));
  assert.ok(!matches('tier notin (fe)'));
  assert.ok(matches('missing notin (a)'));
  assert.ok(!matches('missing in (a)'));
});

test('existence: key and !key', () => {
  assert.ok(matches('app'));
  assert.ok(!matches('!app'));
  assert.ok(matches('!missing'));
});

test('requirements separated by commas must all hold; spaces and prefixed keys are fine', () => {
  assert.ok(matches('app=web,tier=fe'));
  assert.ok(!matches('app=web,tier=be'));
  assert.ok(matches('example.com/x=1'));
  assert.ok(matches(' app = web , tier in ( fe ) '));
  assert.ok(matches('app in (api,web),!canary'));
});

test('the empty selector matches everything, pods without labels too', () => {
  assert.ok(matches(''));
  assert.ok(matches('', undefined));
});

test('malformed selectors are refused with a reason', () => {
  for (const bad of ['app in (a', 'a=b,', '=x', 'a in x', 'a)', 'a=b c']) {
    const parsed = parseSelector(bad);
    assert.equal(parsed.ok, false, bad);
    assert.ok(parsed.error, bad + ' has a reason');
  }
});
