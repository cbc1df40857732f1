/* clusterviz — the map as text, for a screen reader (and anyone who asks for it): a table of the nodes with
 * their Ready condition, their agents' health and their pods by status class, and the list of failing pods.
 *
 * It reads the same model the map draws (model.js; map.js calls textChanged() after each state and delta), so
 * there is no second socket. Rebuilding DOM for 150,000 pods at every delta would cost the map its frames, so
 * the text is redrawn at most once a second, and the lists are bounded (NODE_CAP rows, FAILING_CAP pods) with
 * a line saying what was left out. The server decides a pod's status class and whether it is failing; this
 * only reads them. Cluster text is untrusted: it goes in through textContent only.
 */
import { _, interpolate, nf, ngettext } from './i18n.js';
import { choice, chosen, isExcluded, state } from './model.js';
import { STATUS, exclusionText, healthText, isFailing, silent, statusIndex, statusText } from './status.js';

export const NODE_CAP = 500;
export const FAILING_CAP = 50;
export const CHOICE_CAP = 50;
const EVERY_MS = 1000;

let root = null;
let timer = 0;
let lastAt = -Infinity;

// One pass over the pods: each node's counts by status class, and the failing pods (all counted, few kept).
export function summarise(nodes, pods) {
  const perNode = new Map();
  for (const name of nodes.keys()) perNode.set(name, new Array(STATUS.length).fill(0));
  const failing = [];
  let failingCount = 0;
  for (const p of pods.values()) {
    const row = p.node ? perNode.get(p.node) : undefined;
    if (row) row[statusIndex(p)]++;
    if (!isFailing(p)) continue;
    failingCount++;
    if (failing.length < FAILING_CAP) failing.push(p);
  }
  return { perNode, failing, failingCount };
}

// the Ready condition as kubectl prints it (Kubernetes' words stay untranslated, as on the map's cards)
export function readyText(n) {
  const word = n.ready === 'True' ? 'Ready' : n.ready === 'False' ? 'NotReady' : 'Unknown';
  return silent(n) ? word + ' (' + _('not reporting') + ')' : word;
}

export function agentsText(n) {
  return (n.agents || []).map((a) => a.name + ': ' + healthText(a.health)).join(', ');
}

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

function nodeRow(n, counts) {
  const tr = document.createElement('tr');
  tr.dataset.node = n.name;
  const th = cell('th', n.name);
  th.scope = 'row';
  const ready = cell('td', readyText(n));
  ready.dataset.ready = n.ready;
  tr.append(th, ready, cell('td', agentsText(n)));
  STATUS.forEach((s, i) => {
    const td = cell('td', nf.format(counts[i]));
    td.dataset.status = s;
    tr.append(td);
  });
  return tr;
}

function failingItem(p) {
  const li = document.createElement('li');
  li.dataset.pod = p.uid;
  const where = p.node || _('not scheduled');
  li.textContent = p.namespace + '/' + p.name + ' — ' + (p.status || statusText(p.statusClass)) + ' — ' + where;
  return li;
}

function renderNodes(sum) {
  const names = [...state.nodes.keys()].sort();
  const shown = names.slice(0, NODE_CAP);
  root.querySelector('[data-tv-nodes]').replaceChildren(...shown.map((name) => nodeRow(state.nodes.get(name), sum.perNode.get(name))));
  const note = root.querySelector('[data-tv-nodes-note]');
  note.textContent = names.length > NODE_CAP
    ? interpolate(_('The first %(shown)s of %(total)s nodes by name; the counts at the top cover them all.'), { shown: nf.format(shown.length), total: nf.format(names.length) })
    : interpolate(ngettext('%(total)s node.', '%(total)s nodes.', names.length), { total: nf.format(names.length) });
}

function renderFailing(sum) {
  root.querySelector('[data-tv-failing]').replaceChildren(...sum.failing.map(failingItem));
  const more = sum.failingCount - sum.failing.length;
  const note = root.querySelector('[data-tv-failing-note]');
  note.dataset.count = String(sum.failingCount);
  note.textContent = sum.failingCount === 0 ? _('No pod is failing.')
    : more > 0 ? interpolate(_('%(count)s failing pods; the first %(shown)s are listed, and %(more)s more.'), { count: nf.format(sum.failingCount), shown: nf.format(sum.failing.length), more: nf.format(more) })
      : interpolate(ngettext('%(count)s failing pod.', '%(count)s failing pods.', sum.failingCount), { count: nf.format(sum.failingCount) });
}

// The chosen workload, Service or claim: its pods, and a Service's matching pods that get none of its traffic
// with the server's reason (the same pods the map lights and outlines).
export function choicePods(pods) {
  const lit = [], excluded = [];
  for (const p of pods.values()) {
    if (isExcluded(p)) excluded.push(p);
    else if (chosen(p)) lit.push(p);
  }
  return { lit, excluded };
}

function choiceItem(p, excluded) {
  const li = document.createElement('li');
  li.dataset.pod = p.uid;
  const key = p.namespace + '/' + p.name;
  if (excluded) li.dataset.excluded = choice.excluded.get(key) || '';
  const what = excluded ? interpolate(_('excluded, no traffic: %(reason)s'), { reason: exclusionText(choice.excluded.get(key)) })
    : choice.view.kind === 'Service' ? _('receives traffic') : (p.status || statusText(p.statusClass));
  li.textContent = key + ' — ' + what + ' — ' + (p.node || _('not scheduled'));
  return li;
}

function renderChoice() {
  const box = root.querySelector('[data-tv-choice]');
  if (!box) return;
  box.hidden = !choice.view;
  if (!choice.view) return;
  const v = choice.view, { lit, excluded } = choicePods(state.pods);
  const items = excluded.map((p) => choiceItem(p, true)).concat(lit.map((p) => choiceItem(p, false)));
  box.querySelector('[data-tv-choice-pods]').replaceChildren(...items.slice(0, CHOICE_CAP));
  const note = interpolate(_('%(object)s: %(lit)s pods lit on the map, %(excluded)s excluded.'), {
    object: v.kind + ' ' + v.namespace + '/' + v.name, lit: nf.format(lit.length), excluded: nf.format(excluded.length) });
  box.querySelector('[data-tv-choice-note]').textContent = items.length > CHOICE_CAP
    ? note + ' ' + interpolate(_('The first %(shown)s are listed.'), { shown: nf.format(CHOICE_CAP) }) : note;
}

function render() {
  timer = 0;
  lastAt = performance.now();
  const sum = summarise(state.nodes, state.pods);
  renderNodes(sum);
  renderFailing(sum);
  renderChoice();
  root.dataset.seq = String(state.seq);
}

// After a state or a delta: redraw now if the last redraw is a second old, else once when it is.
export function textChanged() {
  if (!root || timer) return;
  const wait = Math.max(0, lastAt + EVERY_MS - performance.now());
  timer = setTimeout(render, wait);
}

// The toggle shows the region on screen; hidden, it is only visually hidden: a screen reader still reads it.
function initToggle(toggle) {
  toggle.addEventListener('click', () => {
    const shown = root.toggleAttribute('data-shown');
    toggle.setAttribute('aria-pressed', String(shown));
    window.dispatchEvent(new Event('resize'));
  });
}

export function initTextView(el, toggle) {
  root = el;
  if (!root) return;
  if (toggle) initToggle(toggle);
  const skip = document.getElementById('skip-text-view');
  if (skip) skip.addEventListener('click', () => { if (toggle && !root.hasAttribute('data-shown')) toggle.click(); });
}
