// aqua-serve listing page, coming back from a viewer (Esc): the scroll position the page had when it was
// left, and the file last viewed selected (viewer.js names it in sessionStorage). Runs after listing.js,
// whose focusin handler makes the focused row the selection.

const STATE = `aqua-serve:listing:${location.pathname}`;
const RETURN = 'aqua-serve:return';

addEventListener('pagehide', () => {
  try {
    sessionStorage.setItem(STATE, JSON.stringify({ y: scrollY }));
  } catch {
    // storage refused: nothing to restore
  }
});

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function restore() {
  const back = read(RETURN);
  if (back?.folder !== location.pathname) return;
  const state = read(STATE);
  try {
    sessionStorage.removeItem(RETURN);
  } catch {
    // storage refused: read() found nothing either
  }
  if (typeof state?.y === 'number' && state.y > 0) scrollTo(0, state.y);
  // The grid of the library view (library.js), when it is the view shown, has the entries' links.
  const grid = document.querySelector('table.listing.as-grid');
  const selector = grid
    ? '.library li.card:not([hidden]) > a.card-link'
    : 'table.listing tbody tr:not([hidden]) > td:first-child > a';
  const link = Array.from(document.querySelectorAll(selector)).find((a) => a.pathname === back.file);
  if (!link) return;
  link.focus({ preventScroll: true });
  const entry = link.closest('tr, li');
  const box = entry.getBoundingClientRect();
  if (box.top < 0 || box.bottom > innerHeight) entry.scrollIntoView({ block: 'center' });
}

restore();
// Back from the bfcache, the page is as it was left; the note from the viewer is cleared all the same.
addEventListener('pageshow', (event) => {
  if (event.persisted) restore();
});
