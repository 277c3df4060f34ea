// aqua-serve viewer pages (player, image, text): keys for previous/next, copy link, media errors.

const page = document.body.className.replace(/^page-/, '');
const prev = document.querySelector('a[rel=prev]');
const next = document.querySelector('a[rel=next]');
const folder = Array.from(document.querySelectorAll('.crumbs a')).pop();

document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  // On the player the arrow keys belong to the media element (seek, volume); p and n work everywhere.
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
  } else if (event.key === 'Escape' && folder) {
    event.preventDefault();
    folder.click();
  }
});

// Copy link: the absolute URL of the raw file. navigator.clipboard needs a secure context
// (localhost is one, a LAN address over http is not); the fallback selects a hidden textarea.
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through to the textarea
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'sr';
  document.body.append(area);
  area.select();
  let ok;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

for (const button of document.querySelectorAll('button[data-copy]')) {
  const label = button.querySelector('.label');
  button.addEventListener('click', async () => {
    const url = new URL(button.dataset.copy, location.href).href;
    const ok = await copyText(url);
    label.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => {
      label.textContent = 'Copy link';
    }, 1600);
  });
}

// A format that may or may not play: reveal the download note when the browser gives up on it.
const media = document.getElementById('media');
const mediaNote = document.querySelector('[data-media-error]');
if (media && mediaNote) {
  media.addEventListener('error', () => {
    mediaNote.hidden = false;
    media.hidden = true;
  });
}

// Keep the picture's neighbour warm so stepping is instant (same-origin image, allowed by img-src).
if (page === 'image' && next) {
  const href = next.getAttribute('href').replace(/\?view$/, '');
  const img = new Image();
  img.decoding = 'async';
  img.src = href;
}

// Subtitles: the page marks the first track as default; prefer one in the visitor's language.
if (media instanceof HTMLVideoElement && media.textTracks.length > 1) {
  const wanted = (navigator.languages || [navigator.language]).map((l) => l.toLowerCase().split('-')[0]);
  const tracks = Array.from(media.textTracks);
  const rank = (track) => {
    const at = wanted.indexOf((track.language || '').toLowerCase().split('-')[0]);
    return at < 0 ? Number.POSITIVE_INFINITY : at;
  };
  const best = tracks.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  if (rank(best) !== Number.POSITIVE_INFINITY) {
    for (const track of tracks) track.mode = track === best ? 'showing' : 'disabled';
  }
}
