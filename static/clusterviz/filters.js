/* clusterviz — the filters (namespace, label selector, name, grouping by a node label), kept in the URL so
 * any view can be bookmarked. Pods that do not match are dimmed, not hidden: the map keeps its shape.
 */
import { _ } from './i18n.js';
import { marks, schedule } from './frame.js';
import { colsCache } from './layout.js';
import { filter, recomputeFilter, setFilterSpec } from './model.js';
import { parseSelector } from './selector.js';
import { textChanged } from './textview.js';
import { fitView } from './view.js';

const $ = (id) => document.getElementById(id);
const KEYS = ['ns', 'selector', 'q', 'group', 'show'];

function readUrl() {
  const u = new URLSearchParams(location.search);
  return { ns: u.get('ns') || '', selector: u.get('selector') || '', q: u.get('q') || '', group: u.get('group') || '', show: u.get('show') || '' };
}
function writeUrl() {
  const u = new URLSearchParams(location.search);
  for (const k of KEYS) { if (filter[k]) u.set(k, filter[k]); else u.delete(k); }
  const qs = u.toString();
  const url = location.pathname + (qs ? '?' + qs : '') + location.hash;
  if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', url);
}
function showSelectorError(parsed) {
  const errEl = $('selector-error'), selIn = $('filter-selector');
  if (errEl) errEl.textContent = parsed.ok ? '' : _('Selector: ') + parsed.error;
  if (selIn) { if (parsed.ok) selIn.removeAttribute('aria-invalid'); else selIn.setAttribute('aria-invalid', 'true'); }
}

// f: {ns, selector, q, group} as typed; fromUser: write it into the URL
export function setFilter(f, fromUser) {
  const parsed = parseSelector(f.selector);
  showSelectorError(parsed);
  const groupChanged = setFilterSpec(Object.assign({}, f, { reqs: parsed.ok ? parsed.reqs : [] }));
  if (fromUser) writeUrl();
  if (!marks.haveState) return;
  recomputeFilter();
  textChanged(); // it lists the chosen object's pods
  if (groupChanged) { colsCache.detail.n = -1; colsCache.compact.n = -1; fitView(true); }
  marks.full = true; marks.header = true;
  schedule();
}
export function formValues() {
  const v = (id) => ($(id) ? $(id).value : '');
  return { ns: v('filter-ns'), selector: v('filter-selector'), q: v('filter-q'), group: v('filter-group'), show: filter.show };
}
// choose a workload, Service or claim ("Kind/namespace/name"; "" for none): its pods light up, the rest dim
export function choose(key) {
  if ((key || '') === filter.show) return;
  setFilter(Object.assign(formValues(), { show: key || '' }), true);
}
// a controller's pods are named after it: show them, dim the rest (a feed entry about a Deployment)
export function showPodsOf(name) {
  const q = $('filter-q');
  if (q) q.value = name + '-';
  setFilter(Object.assign(formValues(), { q: name + '-' }), true);
  return true;
}

function listen(form) {
  let filterTimer = 0;
  form.addEventListener('submit', (e) => { e.preventDefault(); setFilter(formValues(), true); });
  form.addEventListener('input', (e) => {
    clearTimeout(filterTimer);
    const immediate = e.target && e.target.tagName === 'SELECT';
    filterTimer = setTimeout(() => setFilter(formValues(), true), immediate ? 0 : 200);
  });
  form.addEventListener('change', () => { clearTimeout(filterTimer); setFilter(formValues(), true); });
}
// the form as the URL says, then the filter from it
export function initFilters() {
  const form = $('filters');
  if (form) listen(form);
  const f = readUrl();
  const sel = $('filter-ns');
  if (sel) {
    if (f.ns && !Array.from(sel.options).some((o) => o.value === f.ns)) { const o = document.createElement('option'); o.value = f.ns; o.textContent = f.ns; sel.appendChild(o); }
    sel.value = f.ns;
  }
  if ($('filter-selector')) $('filter-selector').value = f.selector;
  if ($('filter-q')) $('filter-q').value = f.q;
  if ($('filter-group')) $('filter-group').value = f.group;
  setFilter(f, false);
}
