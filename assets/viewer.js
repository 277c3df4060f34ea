// aqua-serve viewer pages (player, image, text): keys for previous/next and back. The player's own keys,
// subtitles and media errors are in player.js; the copy buttons in copy.js.

const page = document.body.className.replace(/^page-/, '');
const prev = document.querySelector('a[rel=prev]');
const next = document.querySelector('a[rel=next]');
const folder = Array.from(document.querySelectorAll('.crumbs a')).pop();

document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  // On the player the arrow keys seek (player.js); p and n work everywhere.
  const arrows = page === 'image';
  if ((event.key === 'ArrowLeft' && arrows) || event.key === 'p') {
    if (prev) {
      event.preventDefault();
      prev.click();
    }
  } else if ((event.key === 'ArrowRight' && arrows) || event.key === 'n') {
    if (next) {
      event.preventDefault();
      next.click();
    }
  } else if (event.key === 'Escape' && folder && !document.fullscreenElement) {
    event.preventDefault();
    backToFolder();
  }
});

// Back to the folder as it was left: straight from it, that is the previous history entry (the browser
// restores its scroll and selection); after stepping through files, the folder page replaces this one.
// Either way no entry is added, and the folder selects this file (listing.js reads sessionStorage).
function backToFolder() {
  try {
    sessionStorage.setItem('aqua-serve:return', JSON.stringify({ folder: folder.pathname, file: location.pathname }));
  } catch {
    // storage refused: the folder opens at its top
  }
  const from = document.referrer === '' ? null : new URL(document.referrer);
  const fromFolder = from !== null && from.origin === location.origin && from.pathname === folder.pathname;
  if (fromFolder && history.length > 1) history.back();
  else location.replace(folder.href);
}

// Keep the picture's neighbour warm so stepping is instant (same-origin image, allowed by img-src).
if (page === 'image' && next) {
  const href = next.getAttribute('href').replace(/\?view$/, '');
  const img = new Image();
  img.decoding = 'async';
  img.src = href;
}

// Swipe in the image viewer: a mostly sideways swipe of 50 px or more steps to the previous or next image.
if (page === 'image') {
  let start = null;
  const stage = document.querySelector('.stage') ?? document.body;
  stage.addEventListener(
    'touchstart',
    (event) => {
      start = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
    },
    { passive: true },
  );
  stage.addEventListener('touchend', (event) => {
    const touch = event.changedTouches[0];
    if (!start || !touch) return;
    const dx = touch.clientX - start.x;
    const dy = touch.clientY - start.y;
    start = null;
    if (Math.abs(dx) < 50 || Math.abs(dx) < Math.abs(dy) * 1.5) return;
    const target = dx < 0 ? next : prev;
    if (target) target.click();
  });
}
