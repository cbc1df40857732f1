/* clusterviz — what the next frame of the map must repaint, and the frame's scheduling.
 *
 * The model and the view mark what changed (the whole map, some cards, some pods in place, the DOM above the
 * map); the map's frame (draw.js) repaints that much, once per animation frame however many deltas came.
 */
export const marks = {
  full: true,          // repaint everything (layout, view or look changed)
  cp: true,            // the control-plane strip
  header: true,        // counts, summary, namespaces
  dirty: new Set(),    // cards to repaint
  dirtyPods: new Set(), // pods replaced in place (same card, same slot): repaint the square only
  haveState: false,    // a state has been applied: there is something to draw
};

let rafId = 0, frameFn = null;
export function onFrame(fn) { frameFn = fn; }
export function schedule() {
  if (rafId || !frameFn || typeof requestAnimationFrame !== 'function') return;
  rafId = requestAnimationFrame(() => { rafId = 0; frameFn(); });
}
