/* clusterviz — an error answer to an htmx request is shown where the request was made, never in place of the page.
 *
 * htmx does not swap 4xx/5xx answers, and django-htmx's debug handler (loaded with {% htmx_script %} when
 * DEBUG is on) replaces the whole document with them; base.html loads htmx without it. Here:
 * - an error answer that is one of our fragments (a panel saying its object is gone, a form with its
 *   error: marked data-panel or data-answer) is swapped into its target like any answer;
 * - any other error answer, or no answer at all, becomes a short note in the target, or beside the
 *   control that asked when the request swaps nothing (hx-swap="none").
 * Text from the server is only ever set with textContent.
 */
(() => {
  'use strict';

  const _ = (s) => (window.gettext ? window.gettext(s) : s);
  const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj, true) : fmt);
  const FRAGMENT = /\sdata-(panel|answer)=/;

  function firstLine(text) {
    const doc = new DOMParser().parseFromString(text || '', 'text/html');
    const title = doc.querySelector('title, h1');
    const line = (title ? title.textContent : doc.body ? doc.body.textContent : '').trim().split('\n')[0];
    return line.slice(0, 300);
  }
  function swapsNothing(elt) {
    const own = elt && elt.closest ? elt.closest('[hx-swap]') : null;
    return !!own && own.getAttribute('hx-swap') === 'none';
  }
  function note(status, detail) {
    const p = document.createElement('p');
    p.className = 'cv-answer-error';
    p.setAttribute('role', 'alert');
    p.textContent = status
      ? interpolate(_('The server answered %(status)s: %(detail)s'), { status, detail: detail || _('no details') })
      : _('No answer from the server (the connection failed). Try again.');
    return p;
  }
  function panelNote(p) {
    const section = document.createElement('section');
    section.className = 'panel panel-error';
    section.dataset.panel = 'error';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'panel-close';
    close.dataset.closePanel = '';
    close.setAttribute('aria-label', _('Close details'));
    close.textContent = '×';
    section.append(close, p);
    return section;
  }
  function besideControl(elt, p) {
    const host = elt.closest('form') || elt;
    let out = host.querySelector(':scope > output.cv-answer');
    if (!out) {
      out = document.createElement('output');
      out.className = 'cv-answer';
      host.appendChild(out);
    }
    out.replaceChildren(p);
  }
  function show(elt, target, status, text) {
    const p = note(status, status ? firstLine(text) : '');
    if (swapsNothing(elt) || !target) besideControl(elt, p);
    else if (target.id === 'side-panel') target.replaceChildren(panelNote(p));
    else target.replaceChildren(p);
  }

  document.addEventListener('htmx:beforeSwap', (e) => {
    const d = e.detail;
    const status = d.xhr ? d.xhr.status : 0;
    if (status < 400) return;
    if (FRAGMENT.test(String(d.serverResponse || '').slice(0, 4000)) && !swapsNothing(d.elt)) {
      d.shouldSwap = true;
      d.isError = false;
      return;
    }
    d.shouldSwap = false;
    show(d.elt, d.target, status, d.serverResponse);
  });
  document.addEventListener('htmx:afterRequest', (e) => {  // a successful control clears its last error
    const d = e.detail;
    if (d.successful && d.elt && d.elt.closest) {
      const out = (d.elt.closest('form') || d.elt).querySelector(':scope > output.cv-answer');
      if (out) out.replaceChildren();
    }
  });
  document.addEventListener('htmx:sendError', (e) => show(e.detail.elt, e.detail.target, 0, ''));
})();
