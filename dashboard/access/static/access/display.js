// The display link: the token's secret is in the fragment (#token=…), which no server receives. Take it, take it
// out of the address bar and history at once, trade it for a session, go on to the wall. Also when only the
// fragment changes (a link pasted into this page is no new page load).
(function () {
  'use strict';
  const root = document.getElementById('display-link');

  function show(state) {
    for (const p of root.querySelectorAll('[data-state]')) p.hidden = p.dataset.state !== state;
  }

  function exchange() {
    const secret = new URLSearchParams(location.hash.slice(1)).get('token');
    history.replaceState(null, '', location.pathname + location.search);
    if (!secret) { show('missing'); return; }
    show('working');
    fetch(root.dataset.exchange, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': root.dataset.csrf },
      body: new URLSearchParams({ token: secret, next: root.dataset.next }),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) location.replace(data.next); else show('invalid');
      });
    }).catch(function () { show('failed'); });
  }

  window.addEventListener('hashchange', exchange);
  exchange();
})();
