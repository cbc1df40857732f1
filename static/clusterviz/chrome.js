/* clusterviz — room for the map: the parts around it (the control-plane strip, the fake cluster's buttons, the
 * replay bar, "What just happened", the list of workloads) fold away, each with its toggle in the header.
 *
 * A toggle is a <button data-fold="ID" aria-controls="ID" aria-expanded>; folding sets data-folded on the part
 * (map.css and history.css hide it, or in the replay bar everything but the replay banner: a replayed moment
 * always says so). What is folded is remembered per browser (localStorage). The map's canvas follows its box
 * with a ResizeObserver; a resize event goes out as well, for anything that measures on window resize.
 */

const KEY = 'clusterviz.folded';

function remembered() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || '[]');
    return new Set(Array.isArray(value) ? value : []);
  } catch (error) {
    return new Set();  // storage refused (private mode) or garbage: nothing folded
  }
}

function remember(folded) {
  try {
    localStorage.setItem(KEY, JSON.stringify([...folded]));
  } catch (error) {
    /* storage refused: folding still works for this page */
  }
}

function show(toggle, folded) {
  const part = document.getElementById(toggle.dataset.fold);
  const isFolded = folded.has(toggle.dataset.fold);
  toggle.setAttribute('aria-expanded', String(!isFolded));
  if (part) part.toggleAttribute('data-folded', isFolded);
}

function start() {
  const toggles = [...document.querySelectorAll('button[data-fold]')];
  if (!toggles.length) return;
  const folded = remembered();
  for (const toggle of toggles) {
    show(toggle, folded);
    toggle.addEventListener('click', () => {
      const id = toggle.dataset.fold;
      if (folded.has(id)) folded.delete(id); else folded.add(id);
      remember(folded);
      show(toggle, folded);
      window.dispatchEvent(new Event('resize'));
    });
  }
  window.dispatchEvent(new Event('resize'));
}

start();
