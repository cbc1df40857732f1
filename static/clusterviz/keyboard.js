/* clusterviz — the map without a mouse.
 *
 * On the focused canvas the arrow keys move a visible focus through the cards and their pods: Left and Right to
 * the previous or next card (or pod of the same card), Down into a card's pods and a row further down them, Up a
 * row back and out to the card. Enter opens the focused node's or pod's panel (as a click would); Esc closes the
 * panel (panels.js) and the focus stays where it was. Shift with an arrow pans, as the arrows did before. What has
 * the focus is said in words in #map-focus (aria-live), since a canvas has nothing a screen reader can read.
 */
import { _, interpolate } from './i18n.js';
import { marks, schedule } from './frame.js';
import { G, P, SQ, rows } from './layout.js';
import { pendingRec, recOf, recs, state } from './model.js';
import { openPanel, panelUrl, select } from './panels.js';
import { statusText } from './status.js';
import { cssH, cssW, focusRec, recVisible, view } from './view.js';

export let focus = null; // {kind: 'card', rec} or {kind: 'pod', uid}
let announcer = null;

const cards = () => rows.flatMap((row) => row.recs).filter((r) => r !== pendingRec || r.pods.length);
function focusedRec() {
  if (!focus) return null;
  if (focus.kind === 'card') return focus.rec.kind === 'pending' ? pendingRec : recs.get(focus.rec.name) || null;
  const p = state.pods.get(focus.uid);
  return p ? recOf(p) : null;
}
function podIndex(rec) {
  const p = focus && focus.kind === 'pod' ? state.pods.get(focus.uid) : null;
  return p ? rec.pods.indexOf(p) : -1;
}

// ---------------------------------------------------------------- moving the focus
function toCard(rec) { return rec ? { kind: 'card', rec } : focus; }
function toPod(rec, i) { return rec && i >= 0 && i < Math.min(rec.pods.length, rec.cap) ? { kind: 'pod', uid: rec.pods[i].uid } : focus; }
function sideways(step) {
  const rec = focusedRec();
  if (!rec) return toCard(cards()[0]);
  if (focus.kind === 'pod') return toPod(rec, podIndex(rec) + step);
  const list = cards(), i = list.indexOf(rec);
  return toCard(list[Math.max(0, Math.min(list.length - 1, i + step))]);
}
function down() {
  const rec = focusedRec();
  if (!rec) return toCard(cards()[0]);
  if (focus.kind === 'card') return toPod(rec, 0);
  return toPod(rec, podIndex(rec) + rec.perRow);
}
function up() {
  const rec = focusedRec();
  if (!rec || focus.kind === 'card') return focus;
  const i = podIndex(rec) - rec.perRow;
  return i >= 0 ? toPod(rec, i) : toCard(rec);
}
const MOVES = { ArrowLeft: () => sideways(-1), ArrowRight: () => sideways(1), ArrowDown: down, ArrowUp: up, Home: () => toCard(cards()[0]) };

function setFocus(next) {
  const before = focusedRec();
  focus = next;
  const after = focusedRec();
  if (before) marks.dirty.add(before);
  if (after) { marks.dirty.add(after); if (!recVisible(after) || !fits(after)) focusRec(after); }
  schedule();
  announce();
}
// a card whose visible part is too small to see a pod in: bring it into view at a readable size
function fits(r) { return view.scale >= 0.6 && r.x * view.scale + view.tx >= 0 && (r.y + r.h) * view.scale + view.ty <= cssH && r.x * view.scale + view.tx + Math.min(r.w * view.scale, cssW) <= cssW; }

// ---------------------------------------------------------------- in words
function describe() {
  const rec = focusedRec();
  if (!rec) return '';
  if (focus.kind === 'card') {
    if (rec.kind === 'pending') return interpolate(_('Pods waiting for the scheduler: %(count)s'), { count: rec.pods.length });
    const n = rec.node;
    return interpolate(_('Node %(node)s: %(ready)s, %(count)s pods'), { node: n.name, ready: n.ready === 'True' ? 'Ready' : n.ready === 'False' ? 'NotReady' : 'Unknown', count: rec.pods.length });
  }
  const p = state.pods.get(focus.uid);
  const status = p.status + ' (' + statusText(p.statusClass) + ')';
  return p.node
    ? interpolate(_('Pod %(pod)s: %(status)s on %(node)s'), { pod: p.namespace + '/' + p.name, status, node: p.node })
    : interpolate(_('Pod %(pod)s: %(status)s, not scheduled yet'), { pod: p.namespace + '/' + p.name, status });
}
function announce() {
  if (!announcer) return;
  announcer.textContent = describe();
  announcer.hidden = !announcer.textContent;
}

// ---------------------------------------------------------------- Enter
function open() {
  const rec = focusedRec();
  if (!rec) return;
  const enc = encodeURIComponent;
  if (focus.kind === 'pod') {
    const p = state.pods.get(focus.uid);
    select({ kind: 'pod', id: p.uid });
    openPanel(panelUrl('pods/' + enc(p.namespace) + '/' + enc(p.name) + '/panel'));
  } else if (rec.kind !== 'pending') {
    select({ kind: 'node', id: rec.name });
    openPanel(panelUrl('nodes/' + enc(rec.name) + '/panel'));
  }
}

// Where the focus ring goes, in world units (draw.js draws it over the frame; a card it left is repainted).
export function focusRect() {
  const rec = focusedRec();
  if (!rec) return null;
  if (focus.kind === 'card') return { x: rec.x, y: rec.y, w: rec.w, h: rec.h, pod: false };
  const i = podIndex(rec);
  if (i < 0 || i >= rec.cap) return null;
  return { x: rec.x + G.pad + (i % rec.perRow) * P, y: rec.y + rec.head + Math.floor(i / rec.perRow) * P, w: SQ, h: SQ, pod: true };
}

// Returns whether it handled the key (pointer.js keeps +, -, 0 and Shift+arrows for the view).
export function onMapKey(e) {
  if (e.key === 'Enter') { open(); return !!focus; }
  const move = MOVES[e.key];
  if (!move || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return false;
  setFocus(move());
  return true;
}
export function initKeyboard(announceEl) { announcer = announceEl; }
export function dropFocus() { if (focus) { const r = focusedRec(); focus = null; if (r) marks.dirty.add(r); schedule(); announce(); } }
