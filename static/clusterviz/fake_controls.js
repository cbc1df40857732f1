/* clusterviz — the fake cluster's buttons aim at what the map has selected.
 *
 * The map opens a node's, a pod's or a workload's panel when one is chosen (#side-panel's data-url names it);
 * this fills the hidden `node`, `pod` and `deployment` inputs of the controls' forms (see
 * dashboard/fake_controls.py) and says what the buttons are aimed at. A pod's panel names its owning
 * Deployment (data-deployment, which the server resolved from the pod's ReplicaSet), so scale and roll out aim
 * at the Deployment of the chosen pod. Nothing selected: the inputs are empty and the server picks a sensible
 * target. Names come from the page's own URL and markup and are only ever set as values and textContent.
 */
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj, true) : fmt);

const PANEL = /\/(nodes)\/([^/]+)\/panel$|\/(pods)\/([^/]+)\/([^/]+)\/panel$|\/workloads\/Deployment\/([^/]+)\/([^/]+)\/panel$/;
const TARGETS = ['node', 'pod', 'deployment'];

/** What a panel URL selects: {node}, {pod} or {deployment} ("namespace/name"), or {} for anything else. */
export function selectionOf(url) {
  const path = (url || '').split('?')[0];
  const m = PANEL.exec(path);
  if (!m) return {};
  const pair = (a, b) => decodeURIComponent(a) + '/' + decodeURIComponent(b);
  if (m[1]) return { node: decodeURIComponent(m[2]) };
  if (m[3]) return { pod: pair(m[4], m[5]) };
  return { deployment: pair(m[6], m[7]) };
}

/** The Deployment a shown pod's panel names as its owner, once that panel has arrived. */
function ownerOf(panel, target) {
  const shown = target.pod ? panel.querySelector('[data-panel=pod][data-deployment]') : null;
  return shown && shown.dataset.pod === target.pod ? { ...target, deployment: shown.dataset.deployment } : target;
}

function describe(target) {
  const words = [];
  if (target.node) words.push(interpolate(_('Aimed at: node %(name)s (selected on the map).'), { name: target.node }));
  if (target.pod) words.push(interpolate(_('Aimed at: pod %(name)s (selected on the map).'), { name: target.pod }));
  if (target.deployment) {
    words.push(interpolate(_('Scale and roll out aim at Deployment %(name)s.'), { name: target.deployment }));
  }
  return words.length ? words.join(' ')
    : _('Aimed at: nothing selected, so each button picks a sensible target (click a node or a pod on the map to aim).');
}

function aim(controls, panel) {
  const target = panel.dataset.open === '1' ? ownerOf(panel, selectionOf(panel.dataset.url)) : {};
  for (const input of controls.querySelectorAll('input[type=hidden]')) {
    if (TARGETS.includes(input.name)) input.value = target[input.name] || '';
  }
  const line = document.getElementById('fake-target');
  if (line) {
    line.textContent = describe(target);
    line.dataset.none = TARGETS.some((t) => target[t]) ? '0' : '1';
  }
}

const controls = document.getElementById('fake-controls');
const panel = document.getElementById('side-panel');
if (controls && panel) {
  const again = () => aim(controls, panel);
  new MutationObserver(again).observe(panel, { attributes: true, attributeFilter: ['data-url', 'data-open'], childList: true });
  aim(controls, panel);
}
