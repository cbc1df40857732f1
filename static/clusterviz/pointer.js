/* clusterviz — the map under the pointer and the keys: drag to pan, wheel or pinch to zoom, hover for a
 * tooltip, click to open a panel; the keys: +, − and 0 zoom, Shift with an arrow pans (the arrows alone and Enter
 * are keyboard.js's).
 */
import { _, interpolate } from './i18n.js';
import { marks, schedule } from './frame.js';
import { evText } from './evidence.js';
import { hitTest } from './hit.js';
import { onMapKey } from './keyboard.js';
import { isOld, rolloutOf, state } from './model.js';
import { lastReportedText } from './draw.js';
import { openPanel, panelUrl, processUrl, select } from './panels.js';
import { healthText, silent, statusText } from './status.js';
import { cssH, cssW, fitView, view, zoomAt } from './view.js';

let canvas = null, wrap = null, tooltip = null;
const pointers = new Map();
let drag = null, pinch = null;

function localXY(e) {
  const r = canvas.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}
// Listens on the map's canvas; the tooltip is drawn inside wrap.
export function initPointer(canvasEl, wrapEl, tooltipEl) {
  canvas = canvasEl; wrap = wrapEl; tooltip = tooltipEl;
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = localXY(e);
    pointers.set(e.pointerId, { x, y });
    if (pointers.size === 1) drag = { x, y, sx: x, sy: y, moved: false };
    else if (pointers.size === 2) {
      const [a, b] = Array.from(pointers.values());
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), scale: view.scale };
      drag = null;
    }
  });
  canvas.addEventListener('pointermove', (e) => {
    const [x, y] = localXY(e);
    if (pointers.has(e.pointerId)) pointers.set(e.pointerId, { x, y });
    if (pinch && pointers.size === 2) {
      const [a, b] = Array.from(pointers.values());
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch.d > 0) zoomAt((pinch.scale * d / pinch.d) / view.scale, (a.x + b.x) / 2, (a.y + b.y) / 2);
      return;
    }
    if (drag) {
      if (!drag.moved && Math.hypot(x - drag.sx, y - drag.sy) > 4) { drag.moved = true; canvas.classList.add('cv-dragging'); hideTooltip(); }
      if (drag.moved) {
        view.tx += x - drag.x; view.ty += y - drag.y; view.auto = false;
        drag.x = x; drag.y = y;
        marks.full = true; schedule();
      }
      return;
    }
    hover(x, y, e.clientX, e.clientY);
  });
  canvas.addEventListener('pointerup', endPointer);
  canvas.addEventListener('pointercancel', endPointer);
  canvas.addEventListener('pointerleave', () => { if (!drag) hideTooltip(); });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [x, y] = localXY(e);
    const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoomAt(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), x, y);
  }, { passive: false });
  canvas.addEventListener('keydown', (e) => {
    const k = e.key;
    if (onMapKey(e)) { e.preventDefault(); return; } // arrows and Enter: the keyboard focus (keyboard.js)
    if (k === '+' || k === '=') zoomAt(1.25, cssW / 2, cssH / 2);
    else if (k === '-' || k === '_') zoomAt(0.8, cssW / 2, cssH / 2);
    else if (k === '0') fitView(true);
    else if (k.startsWith('Arrow')) {
      const d = 60;
      if (k === 'ArrowLeft') view.tx += d; else if (k === 'ArrowRight') view.tx -= d; else if (k === 'ArrowUp') view.ty += d; else view.ty -= d;
      view.auto = false; marks.full = true; schedule();
    } else return;
    e.preventDefault();
  });

}

function endPointer(e) {
  pointers.delete(e.pointerId);
  if (pointers.size < 2) pinch = null;
  if (drag && e.type === 'pointerup' && !drag.moved) {
    const [x, y] = localXY(e);
    click(x, y);
  }
  if (pointers.size === 0) { drag = null; canvas.classList.remove('cv-dragging'); }
}
function hover(x, y, clientX, clientY) {
  const h = hitTest(x, y);
  if (!h) { hideTooltip(); return; }
  const lines = [];
  if (h.kind === 'pod') {
    const p = h.pod;
    lines.push([p.namespace + '/' + p.name, 'b']);
    lines.push([p.status + ' (' + statusText(p.statusClass) + ') · ' + interpolate(_('ready %(ready)s/%(total)s'), { ready: p.readyContainers, total: p.totalContainers }) + (p.restarts ? ' · ' + interpolate(_('%(count)s restarts'), { count: p.restarts }) : ''), '']);
    lines.push([p.node ? interpolate(_('on node %(node)s'), { node: p.node }) : _('not scheduled yet'), 'm']);
    const pn = p.node ? state.nodes.get(p.node) : null;
    if (silent(pn)) lines.push([lastReportedText(pn), 'w']);
    if (p.owner) lines.push([p.owner.kind + ' ' + p.owner.name + (typeof p.revision === 'number' ? ' · ' + interpolate(_('revision %(revision)s'), { revision: p.revision }) : ''), 'm']);
    const rolling = rolloutOf(p);
    if (rolling !== undefined) lines.push([isOld(p) ? interpolate(_('old: being replaced by revision %(revision)s'), { revision: rolling }) : _('new: the revision being rolled out'), 'w']);
    if (p.message) lines.push([p.message.length > 200 ? p.message.slice(0, 200) + '…' : p.message, 'w']);
  } else if (h.kind === 'node') {
    const n = h.rec.node;
    lines.push([n.name, 'b']);
    lines.push([(n.ready === 'True' ? 'Ready' : n.ready === 'False' ? 'NotReady' : 'Unknown') + (n.unschedulable ? ' · ' + _('cordoned') : '') + ' · ' + (n.roles && n.roles.length ? n.roles.join(',') : 'worker'), '']);
    lines.push([interpolate(_('%(count)s pods'), { count: h.rec.pods.length }) + ' · kubelet ' + (n.kubeletVersion || '?'), 'm']);
    if (silent(n)) lines.push([lastReportedText(n), 'w']);
  } else if (h.kind === 'agent') {
    const a = h.agent;
    lines.push([interpolate(_('%(process)s on %(node)s'), { process: a.name, node: h.rec.node.name }), 'b']);
    lines.push([healthText(a.health) + (a.version ? ' · ' + a.version : ''), '']);
    if (silent(h.rec.node)) lines.push([lastReportedText(h.rec.node), 'w']);
    for (const ev of (a.evidence || []).slice(0, 3)) lines.push([evText(ev), 'm']);
  } else if (h.kind === 'pending') {
    lines.push([_('Pods waiting for the scheduler to pick a node'), 'b']);
    lines.push([interpolate(_('%(count)s pods'), { count: h.rec.pods.length }), 'm']);
  }
  showTooltip(lines, clientX, clientY);
  canvas.style.cursor = h.kind === 'pending' ? 'default' : 'pointer';
}
function showTooltip(lines, cx, cy) {
  const frag = document.createDocumentFragment();
  for (const [t, cls] of lines) {
    const d = document.createElement('div');
    d.textContent = t;
    if (cls) d.className = 'cv-tt-' + cls;
    frag.appendChild(d);
  }
  tooltip.replaceChildren(frag);
  tooltip.hidden = false;
  const wr = wrap.getBoundingClientRect();
  let x = cx - wr.left + 14, y = cy - wr.top + 14;
  const tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
  if (x + tw > wr.width - 4) x = Math.max(4, cx - wr.left - tw - 14);
  if (y + th > wr.height - 4) y = Math.max(4, cy - wr.top - th - 14);
  tooltip.style.transform = 'translate(' + x + 'px,' + y + 'px)';
}
function hideTooltip() { if (!tooltip.hidden) tooltip.hidden = true; canvas.style.cursor = ''; }

function click(x, y) {
  const h = hitTest(x, y);
  if (!h) return;
  const enc = encodeURIComponent;
  let sel = null, url = null;
  if (h.kind === 'pod') {
    sel = { kind: 'pod', id: h.pod.uid };
    url = panelUrl('pods/' + enc(h.pod.namespace) + '/' + enc(h.pod.name) + '/panel');
  } else if (h.kind === 'node') {
    sel = { kind: 'node', id: h.rec.name };
    url = panelUrl('nodes/' + enc(h.rec.name) + '/panel');
  } else if (h.kind === 'agent') {
    sel = { kind: 'node', id: h.rec.name };
    url = processUrl(h.agent.name, h.rec.name);
  } else return;
  select(sel);
  openPanel(url);
}
