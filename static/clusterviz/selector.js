/* clusterviz — Kubernetes label selectors, as `kubectl get -l` reads them.
 *
 * Equality (=, ==, !=), sets (in, notin), existence (key, !key), comma-separated and all required; keys with an
 * optional DNS prefix. parseSelector(text) → {ok, reqs} or {ok: false, error}; selectorMatches(reqs, labels).
 */
import { _, interpolate } from './i18n.js';

export function parseSelector(src) {
  const reqs = [];
  const s = (src || '').trim();
  if (!s) return { ok: true, reqs };
  // split on commas outside parentheses
  const parts = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth < 0) return { ok: false, reqs: [], error: _('unbalanced ")"') };
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  if (depth !== 0) return { ok: false, reqs: [], error: _('missing ")"') };
  parts.push(cur);
  const KEY = '((?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)';
  const VAL = '((?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?)';
  const reExists = new RegExp('^' + KEY + '$');
  const reNot = new RegExp('^!\\s*' + KEY + '$');
  const reEq = new RegExp('^' + KEY + '\\s*(==|=|!=)\\s*' + VAL + '$');
  const reSet = new RegExp('^' + KEY + '\\s+(in|notin)\\s*\\(([^()]*)\\)$');
  const reVal = new RegExp('^' + VAL + '$');
  for (const raw of parts) {
    const t = raw.trim();
    if (!t) return { ok: false, reqs: [], error: _('empty requirement') };
    let m;
    if ((m = reSet.exec(t))) {
      const vals = m[3].split(',').map((v) => v.trim());
      if (vals.some((v) => !reVal.test(v))) return { ok: false, reqs: [], error: interpolate(_('bad value in "%(requirement)s"'), { requirement: t }) };
      reqs.push({ key: m[1], op: m[2], values: new Set(vals) });
    } else if ((m = reEq.exec(t))) {
      reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: new Set([m[3]]) });
    } else if ((m = reNot.exec(t))) {
      reqs.push({ key: m[1], op: '!' });
    } else if ((m = reExists.exec(t))) {
      reqs.push({ key: m[1], op: 'exists' });
    } else {
      return { ok: false, reqs: [], error: interpolate(_('cannot parse "%(requirement)s"'), { requirement: t }) };
    }
  }
  return { ok: true, reqs };
}

export function selectorMatches(reqs, labels) {
  const L = labels || {};
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i];
    const has = Object.prototype.hasOwnProperty.call(L, r.key);
    switch (r.op) {
      case '=': case 'in': if (!has || !r.values.has(L[r.key])) return false; break;
      case '!=': case 'notin': if (has && r.values.has(L[r.key])) return false; break;
      case 'exists': if (!has) return false; break;
      case '!': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
