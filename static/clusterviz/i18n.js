/* clusterviz — words and numbers in the viewer's language.
 *
 * Django's JavaScript catalog (/jsi18n/, a classic script that runs before any module) defines gettext,
 * ngettext and interpolate on the window; without it (node's test runner, a page without the catalog) English.
 * Looked up at each call, so importing this module touches no DOM.
 */
const g = globalThis;

export const _ = (s) => (g.gettext ? g.gettext(s) : s);
export const ngettext = (one, many, n) => (g.ngettext ? g.ngettext(one, many, n) : n === 1 ? one : many);
export const interpolate = (fmt, obj) => (g.interpolate ? g.interpolate(fmt, obj, true) : fmt.replace(/%\((\w+)\)s/g, (m, k) => String(obj[k])));

export const nf = new Intl.NumberFormat('en-US');

// a local clock time, HH:MM:SS
export function hhmmss(ms) {
  const d = new Date(ms);
  const p2 = (v) => String(v).padStart(2, '0');
  return p2(d.getHours()) + ':' + p2(d.getMinutes()) + ':' + p2(d.getSeconds());
}
