/* clusterviz — the replay slider says which moment it is on: its value is epoch seconds, which a screen reader
 * would read out as a ten-digit number, so aria-valuetext carries the moment in words, in the browser's time
 * zone and the page's language. history.js moves the slider; this only listens (input, change, focus, and the
 * moment history.js writes into the replay banner), so the two stay separate.
 */

const _ = (text) => (window.gettext ? window.gettext(text) : text);
const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj, true) : fmt);
const moment = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
});

/** The words for the slider's position: the moment, marked live at the live end; nothing yet when disabled. */
function words(slider, bar) {
  if (slider.disabled) return _('Nothing recorded yet');
  const t = Number(slider.value);
  const text = moment.format(new Date(t * 1000));
  const live = bar && bar.dataset.mode !== 'replay' && slider.value === slider.max;
  return live ? interpolate(_('%(time)s (live)'), { time: text }) : text;
}

function start() {
  const slider = document.getElementById('replay-slider');
  if (!slider) return;
  const bar = document.getElementById('replay-bar');
  const say = () => slider.setAttribute('aria-valuetext', words(slider, bar));
  for (const type of ['input', 'change', 'focus']) slider.addEventListener(type, say);
  new MutationObserver(say).observe(slider, { attributes: true, attributeFilter: ['min', 'max', 'disabled'] });
  if (bar) new MutationObserver(say).observe(bar, { attributes: true, attributeFilter: ['data-mode'] });
  const time = document.getElementById('replay-time');
  if (time) new MutationObserver(say).observe(time, { childList: true, characterData: true, subtree: true });
  say();
}

start();
