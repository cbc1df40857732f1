/* clusterviz — the story of a change: what just happened, beside the map.
 *
 * The server tells it (clusterviz/history.py's Tracker, the detection the history timeline uses): every state
 * carries the runtime's latest changes (`feed`), every delta the ones it brought. This module only draws them,
 * newest first, in the viewer's language (kind + args through Django's JavaScript catalog), and makes each
 * entry a link that selects its object on the map (the select callback map.js passes). A rollout's later progress
 * replaces its earlier entry (same `key`). In replay the live feed is hidden: it is not the replayed moment.
 * map.js creates it (createFeed) and calls .reset(entries) on a state, .add(entries) on a delta, .replay(on).
 */
import { _, interpolate as fmt } from './i18n.js';

const SHOWN = 50;

const FORMATS = {
  'pod-failed': (a) => (a.detail ? fmt(_('Pod %(pod)s failed: %(status)s (%(detail)s)'), a) : fmt(_('Pod %(pod)s failed: %(status)s'), a)),
  unschedulable: (a) => fmt(_('Pod %(pod)s cannot be scheduled: %(message)s'), a),
  'image-changed': (a) => fmt(_('Pod %(pod)s changed image: %(before)s → %(after)s'), a),
  rollout: (a) => fmt(_('Rolling out Deployment %(deployment)s to %(image)s, revision %(revision)s: %(ready)s of %(new)s new pods ready, %(old)s old left'), a),
  'rolled-out': (a) => fmt(_('Deployment %(deployment)s rolled out to %(image)s, revision %(revision)s: %(ready)s pods ready'), a),
  scaled: (a) => fmt(_('%(kind)s %(owner)s scaled from %(before)s to %(after)s pods'), a),
  'node-not-ready': (a) => fmt(_('Node %(node)s became NotReady (Ready=%(ready)s)'), a),
  'node-ready': (a) => fmt(_('Node %(node)s is Ready again'), a),
  'node-added': (a) => fmt(_('Node %(node)s joined the cluster'), a),
  'node-removed': (a) => fmt(_('Node %(node)s left the cluster'), a),
  endpoints: (a) => fmt(_('Service %(service)s: %(before)s → %(after)s ready endpoints'), a)
    + (a.added ? ' ' + fmt(_('(now receiving traffic: %(added)s)'), a) : '')
    + (a.removed ? ' ' + fmt(_('(no longer receiving traffic: %(removed)s)'), a) : ''),
};

export function describe(entry) {
  const a = entry.args || {};
  const one = FORMATS[entry.kind] ? FORMATS[entry.kind](a) : entry.text;
  return typeof a.count === 'number' ? fmt(_('%(count)s like this, e.g. %(example)s'), { count: a.count, example: one }) : one;
}

function clock(at) {
  const d = new Date(at * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function createFeed(root, select) {
  let entries = [];
  const list = root && root.querySelector('[data-feed-list]');
  const empty = root && root.querySelector('[data-feed-empty]');

  function item(e) {
    const li = document.createElement('li');
    li.className = 'cv-feed-item cv-feed-' + e.kind;
    li.dataset.kind = e.kind;
    const time = document.createElement('time');
    time.dateTime = new Date(e.at * 1000).toISOString();
    time.textContent = clock(e.at);
    const ref = (e.refs || [])[0];
    const text = document.createElement(ref ? 'button' : 'span');
    text.className = 'cv-feed-text';
    text.textContent = describe(e); // cluster text: always text, never markup
    if (ref) {
      text.type = 'button';
      text.title = _('Show it on the map');
      text.addEventListener('click', () => { if (!select(ref)) text.title = _('No longer in the cluster'); });
    }
    li.append(time, ' ', text);
    return li;
  }
  function draw() {
    if (!list) return;
    const shown = entries.slice(-SHOWN).reverse();
    list.replaceChildren(...shown.map(item));
    if (empty) empty.hidden = shown.length > 0;
  }
  return {
    reset(next) { entries = next.slice(); draw(); },
    add(more) {
      const keys = new Set(more.filter((e) => e.key).map((e) => e.key));
      entries = entries.filter((e) => !(e.key && keys.has(e.key))).concat(more).slice(-SHOWN);
      draw();
    },
    replay(on) { if (root) root.hidden = on; },
  };
}

