/* clusterviz — the page around the map: counts, the summary a screen reader reads, the namespaces of the
 * filter, and the control-plane strip. Cluster text only through textContent.
 */
import { _, interpolate, nf, ngettext } from './i18n.js';
import { evText } from './evidence.js';
import { choice, counts, filter, observed, pendingRec, recs, state } from './model.js';
import { openPanel, panelUrl, processUrl, select } from './panels.js';
import { renderSourceBanner } from './live.js';
import { HEALTH_RANK, STATUS, exclusionText, healthClass, healthText, silent, statusText } from './status.js';
import { focusRec } from './view.js';

const $ = (id) => document.getElementById(id);
let explanations = {};
// the control-plane processes' explanations in the viewer's language (json_script #cluster-explanations)
export function initHeader() {
  try {
    const node = $('cluster-explanations');
    if (node) explanations = JSON.parse(node.textContent) || {};
  } catch (e) { explanations = {}; }
}

export function setText(id, v) { const el = $(id); if (el && el.textContent !== v) el.textContent = v; }

export function renderHeader() {
  renderSourceBanner();
  const seen = observed();
  const count = (v) => (seen ? nf.format(v) : '–');
  setText('count-nodes', count(state.nodes.size));
  setText('count-notready', count(counts.notReady));
  setText('count-pods', count(state.pods.size));
  setText('count-failing', count(counts.failing));
  setText('count-pending', count(counts.unscheduled));
  setText('pending-count', nf.format(pendingRec.pods.length));
  const nr = $('count-notready'); if (nr) nr.parentElement.dataset.alert = counts.notReady ? '1' : '0';
  const fl = $('count-failing'); if (fl) fl.parentElement.dataset.alert = counts.failing ? '1' : '0';
  const cs = counts.statuses;
  let sum = interpolate(_('%(nodes)s nodes (%(notReady)s not ready), %(pods)s pods: %(statuses)s; %(unscheduled)s not scheduled.'), {
    nodes: nf.format(state.nodes.size), notReady: nf.format(counts.notReady), pods: nf.format(state.pods.size),
    statuses: STATUS.map((st, i) => interpolate(_('%(count)s %(status)s'), { count: nf.format(cs[i]), status: statusText(st) })).join(', '),
    unscheduled: nf.format(counts.unscheduled),
  });
  if (filter.active) sum += ' ' + interpolate(ngettext('Filter matches %(count)s pod; the others are dimmed.', 'Filter matches %(count)s pods; the others are dimmed.', counts.matching), { count: nf.format(counts.matching) });
  if (choice.key) sum += ' ' + choiceText();
  const ex = $('legend-excluded'); if (ex) ex.hidden = !(choice.view && choice.view.kind === 'Service');
  let quiet = 0;
  for (const n of state.nodes.values()) if (silent(n)) { const r = recs.get(n.name); quiet += r ? r.pods.length : 0; }
  if (quiet) sum += ' ' + interpolate(ngettext('%(count)s pod is only as last reported: its kubelet stopped reporting.', '%(count)s pods are only as last reported: their kubelet stopped reporting.', quiet), { count: nf.format(quiet) });
  if (!seen) sum = _('Nothing observed yet: the cluster has not answered.');
  setText('map-summary', sum);
  if (counts.namespacesChanged) fillNamespaces();
}

function fillNamespaces() {
  counts.namespacesChanged = false;
  const sel = $('filter-ns');
  if (!sel) return;
  const names = Array.from(counts.namespaces.keys());
  if (filter.ns && !counts.namespaces.has(filter.ns)) names.push(filter.ns);
  names.sort();
  const cur = Array.from(sel.options).slice(1).map((o) => o.value);
  if (cur.length === names.length && cur.every((v, i) => v === names[i])) return;
  const frag = document.createDocumentFragment();
  const all = document.createElement('option'); all.value = ''; all.textContent = _('All namespaces'); frag.appendChild(all);
  for (const n of names) { const o = document.createElement('option'); o.value = n; o.textContent = n; frag.appendChild(o); }
  sel.replaceChildren(frag);
  sel.value = filter.ns;
}

// what the chosen object lights up, and for a Service which matching pods get none of its traffic
function choiceText() {
  const v = choice.view;
  if (!v) return interpolate(_('%(object)s is not in the cluster: none of its pods to show.'), { object: choice.key });
  const what = v.kind + ' ' + v.namespace + '/' + v.name;
  if (v.kind !== 'Service') return interpolate(_('Showing the pods of %(object)s.'), { object: what });
  let text = interpolate(_('Showing the pods that receive the traffic of %(object)s.'), { object: what });
  if (v.excluded.length) {
    const names = v.excluded.map((e) => e.pod + ' (' + exclusionText(e.reason) + ', ' + e.status + ')').join(', ');
    text += ' ' + interpolate(_('Excluded, no traffic: %(pods)s.'), { pods: names });
  }
  return text;
}

export function fillGroupKeys() {
  const dl = $('group-keys');
  if (!dl) return;
  const have = new Set(Array.from(dl.options).map((o) => o.value));
  const freq = new Map();
  let i = 0;
  for (const n of state.nodes.values()) {
    if (i++ > 500) break;
    for (const k of Object.keys(n.labels || {})) freq.set(k, (freq.get(k) || 0) + 1);
  }
  const keys = Array.from(freq.keys()).filter((k) => k !== 'kubernetes.io/hostname' && !k.startsWith('node-role.kubernetes.io/') && !have.has(k)).sort();
  for (const k of keys.slice(0, 40)) { const o = document.createElement('option'); o.value = k; dl.appendChild(o); }
}

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// One chip per control-plane component (data-process, data-health = worst instance), with a row per
// instance (data-node, data-health) so three apiservers do not take three chips.
export function renderControlPlane() {
  const list = $('cp-list');
  if (!list) return;
  const frag = document.createDocumentFragment();
  const procs = state.controlPlane || [];
  if (!procs.length) frag.appendChild(el('li', 'cv-muted', observed() ? _('No control-plane processes reported (managed control plane, or not observed yet).') : _('Nothing observed yet: the cluster has not answered.')));
  const byName = new Map();
  for (const pr of procs) {
    let a = byName.get(pr.name);
    if (!a) byName.set(pr.name, (a = []));
    a.push(pr);
  }
  for (const [name, inst] of byName) {
    let worst = inst[0].health;
    for (const pr of inst) if ((HEALTH_RANK[pr.health] || 0) > (HEALTH_RANK[worst] || 0)) worst = pr.health;
    const li = el('li', 'cv-chip');
    li.dataset.process = name;
    li.dataset.health = healthClass(worst);
    const head = el('button', 'cv-chip-main');
    head.type = 'button';
    const shown = inst.length > 1 ? name + ' ×' + inst.length : name;  // the name as the chip shows it
    head.setAttribute('aria-label', interpolate(_('%(process)s: %(health)s — open details'), { process: shown, health: healthText(worst) }));
    head.appendChild(el('span', 'cv-hd cv-h-' + healthClass(worst)));
    // Spaces between the words: the visible text ("etcd healthy") must read as part of the button's name.
    head.append(el('span', 'cv-chip-name', name), ' ');
    if (inst.length > 1) head.append(el('span', 'cv-muted', '×' + inst.length), ' ');
    head.appendChild(el('span', 'cv-chip-health', healthText(worst)));
    head.addEventListener('click', () => openPanel(processUrl(name, inst.length === 1 ? inst[0].node : '')));
    li.appendChild(head);
    const versions = Array.from(new Set(inst.map((p) => p.version).filter(Boolean)));
    const leader = inst.find((p) => p.leader);
    const meta = [];
    if (versions.length) meta.push(versions.join(', '));
    if (leader) meta.push(interpolate(_('leader %(node)s'), { node: leader.leader }));
    if (meta.length) li.appendChild(el('div', 'cv-chip-meta', meta.join(' · ')));
    const ul = el('ul', 'cv-inst');
    for (const pr of inst) {
      const row = el('li', 'cv-inst-row');
      row.dataset.node = pr.node || '';
      row.dataset.health = healthClass(pr.health);
      const b = el('button', 'cv-inst-btn');
      b.type = 'button';
      const ev = (pr.evidence || []).map(evText);
      b.title = (pr.node ? pr.node + ': ' : '') + healthText(pr.health) + (ev.length ? '\n' + ev.join('\n') : '');
      b.appendChild(el('span', 'cv-hd cv-h-' + healthClass(pr.health)));
      b.appendChild(el('span', 'cv-inst-node', pr.node || (inst.length > 1 ? '?' : _('instance'))));
      if (pr.health !== 'healthy') b.appendChild(el('span', 'cv-inst-health', healthText(pr.health)));
      if (pr.leader && pr.leader === pr.node) b.appendChild(el('span', 'cv-inst-leader', _('leader')));
      b.appendChild(el('span', 'cv-inst-ev', ev[0] || ''));
      b.addEventListener('click', () => openPanel(processUrl(pr.name, pr.node)));
      row.appendChild(b);
      ul.appendChild(row);
    }
    li.appendChild(ul);
    const ex = explanations[name];
    if (ex) {
      const d = el('details', 'cv-explain');
      d.appendChild(el('summary', '', _('What does it do?')));
      d.appendChild(el('p', '', ex));
      li.appendChild(d);
    }
    frag.appendChild(li);
  }
  list.replaceChildren(frag);
  const cpn = [];
  for (const n of state.nodes.values()) if (n.controlPlane) cpn.push(n.name);
  const p = $('cp-nodes');
  if (p) {
    p.replaceChildren();
    p.appendChild(el('span', 'cv-muted', cpn.length ? _('Control-plane nodes: ') : observed() ? _('No control-plane nodes visible (managed control plane).') : _('No nodes observed yet.')));
    cpn.sort().forEach((name, i) => {
      const b = el('button', 'cv-link', name);
      b.type = 'button';
      b.dataset.node = name;
      b.addEventListener('click', () => {
        const r = recs.get(name);
        if (r) focusRec(r);
        select({ kind: 'node', id: name });
        openPanel(panelUrl('nodes/' + encodeURIComponent(name) + '/panel'));
      });
      if (i) p.appendChild(document.createTextNode(', '));
      p.appendChild(b);
    });
  }
}
