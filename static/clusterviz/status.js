/* clusterviz — the status rules and the palette, in one place for the map and the wall.
 *
 * The server decides a pod's status class (statusClass, kubectl's rules in clusterviz/mapping.py), whether it is
 * failing (failing), whether a node's kubelet still reports (node.reporting) and every process's health; these
 * helpers only read what the wire data says. Importing this module touches no DOM.
 */
import { _ } from './i18n.js';

export const STATUS = ['running', 'pending', 'succeeded', 'failed', 'terminating', 'unknown'];
export const STATUS_IDX = Object.create(null);
STATUS.forEach((s, i) => { STATUS_IDX[s] = i; });
export const UNKNOWN_IDX = STATUS_IDX.unknown;
export const statusIndex = (p) => STATUS_IDX[p.statusClass] ?? UNKNOWN_IDX;

// Okabe–Ito based, lifted slightly for a dark background (colour-blind safe; dark text on each is ≥ 6:1).
// static/clusterviz/map.css and wall.css carry the same colours for the legend swatches.
export const STATUS_COLOR = ['#1fae86', '#ecdc4f', '#56b4e9', '#e8641a', '#cc79a7', '#8f98a3'];
export const HEALTH_COLOR = { healthy: '#1fae86', degraded: '#e69f00', unhealthy: '#e8641a', unknown: '#8f98a3' };
export const HEALTH_RANK = { healthy: 0, unknown: 1, degraded: 2, unhealthy: 3 };
export const BAD_HEALTH = { unhealthy: 1, degraded: 1 };

// decided by the server (clusterviz/mapping.py's pod_failing) and carried by every pod on the wire
export const isFailing = (p) => p.failing === true;

// a node whose kubelet stopped reporting (decided by the server): its pods are only as last reported
export const silent = (n) => !!n && n.reporting === false;
// "not ready" counts a node whose kubelet stopped reporting too: nobody vouches for its Ready any more
export const unready = (n) => n.ready !== 'True' || n.reporting === false;
export const badAgents = (n) => (silent(n) ? [] : (n.agents || []).filter((a) => BAD_HEALTH[a.health]));
export const nodeBad = (n) => unready(n) || badAgents(n).length > 0;
export const podNotReady = (p) => p.statusClass === 'running' && p.readyContainers < p.totalContainers;

export function worstHealth(agents) {
  let w = 0;
  for (const a of agents || []) w = Math.max(w, HEALTH_RANK[a.health] || 0);
  return ['healthy', 'unknown', 'degraded', 'unhealthy'][w];
}
export const healthClass = (h) => (HEALTH_COLOR[h] ? h : 'unknown');

let words = null; // translated once the catalog is there (first use, not import)
function texts() {
  if (!words) {
    words = {
      health: { healthy: _('healthy'), degraded: _('degraded'), unhealthy: _('unhealthy'), unknown: _('unknown') },
      status: { running: _('running'), pending: _('pending'), succeeded: _('succeeded'), failed: _('failed'), terminating: _('terminating'), unknown: _('unknown') },
    };
  }
  return words;
}
export const healthText = (h) => texts().health[h] || h;
export const statusText = (s) => texts().status[s] || s;

// Why a chosen Service's matching pod gets no traffic: the server's reason (clusterviz/grouping.py's
// exclusion_reason), only worded here.
export function exclusionText(reason) {
  if (reason === 'terminating') return _('terminating');
  if (reason === 'noEndpoint') return _('not ready, not an endpoint yet');
  return _('not ready');
}
