/* clusterviz — the fake cluster's buttons aim at what the map has selected.
 *
 * The map opens a node's or a pod's panel when one is clicked (#side-panel's data-url names it); this fills
 * the hidden `node` and `pod` inputs of the controls' forms (see dashboard/fake_controls.py) and says what the
 * buttons are aimed at. Nothing selected: the inputs are empty and the server picks a sensible target.
 * Names come from the page's own URL and are only ever set as values and textContent.
 */
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj, true) : fmt);

const PANEL = /\/(nodes)\/([^/]+)\/panel$|\/(pods)\/([^/]+)\/([^/]+)\/panel$/;

/** What a panel URL selects: {node} or {pod: "namespace/name"}, or {} for anything else (a process). */
export function selectionOf(url) {
  const path = (url || '').split('?')[0];
  const m = PANEL.exec(path);
  if (!m) return {};
  if (m[1]) return { node: decodeURIComponent(m[2]) };
  return { pod: decodeURIComponent(m[4]) + '/' + decodeURIComponent(m[5]) };
}

function describe(target) {
  if (target.node) return interpolate(_('Aimed at: node %(name)s (selected on the map).'), { name: target.node });
  if (target.pod) return interpolate(_('Aimed at: pod %(name)s (selected on the map).'), { name: target.pod });
  return _('Aimed at: nothing selected, so each button picks a sensible target (click a node or a pod on the map to aim).');
}

function aim(controls, panel) {
  const target = panel.dataset.open === '1' ? selectionOf(panel.dataset.url) : {};
  for (const input of controls.querySelectorAll('input[type=hidden][name=node], input[type=hidden][name=pod]')) {
    input.value = target[input.name] || '';
  }
  const line = document.getElementById('fake-target');
  if (line) {
    line.textContent = describe(target);
    line.dataset.none = target.node || target.pod ? '0' : '1';
  }
}

const controls = document.getElementById('fake-controls');
const panel = document.getElementById('side-panel');
if (controls && panel) {
  new MutationObserver(() => aim(controls, panel)).observe(panel, { attributes: true, attributeFilter: ['data-url', 'data-open'] });
  aim(controls, panel);
}
