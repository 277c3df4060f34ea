// aqua-serve player page: a video the browser cannot decode, the subtitle chips (the choice remembered for
// the next film), and the keys of a player. Loaded after viewer.js, which keeps p, n and Esc.

const media = document.getElementById('media');
const video = media instanceof HTMLVideoElement ? media : null;
const mediaNote = document.querySelector('[data-media-error]');

// A format that may or may not play: the note and the download when the browser gives up on it. A video
// whose codec is not supported raises no error: Chromium plays its sound and leaves the picture 0 × 0.
function cannotPlay() {
  if (!media || !mediaNote || media.hidden) return;
  media.pause();
  media.hidden = true;
  mediaNote.hidden = false;
}
if (media && mediaNote) {
  media.addEventListener('error', cannotPlay);
  if (media.error) cannotPlay();
  if (video) {
    const checkPicture = () => {
      if (video.readyState >= HTMLMediaElement.HAVE_METADATA && video.videoWidth === 0) cannotPlay();
    };
    video.addEventListener('loadedmetadata', checkPicture);
    video.addEventListener('playing', checkPicture);
    checkPicture();
  }
}

// Subtitles: what the visitor chose last (a language, or off) is kept in localStorage for the next page;
// without a choice, the track in the visitor's language, else the page's default (the first).
const STORE = 'aqua-serve:subtitles';
const tracks = video ? Array.from(video.textTracks) : [];
const chips = Array.from(document.querySelectorAll('.subs .chip[data-track]'));
let lastShown = null;

function storedChoice() {
  try {
    return JSON.parse(localStorage.getItem(STORE) ?? 'null');
  } catch {
    return null;
  }
}

const baseLang = (tag) => (tag || '').toLowerCase().split('-')[0];

/** The track to show at load, or null for none. */
function initialTrack() {
  const choice = storedChoice();
  if (choice?.off) return null;
  if (choice) {
    const same = tracks.find((t) => t.language === choice.lang && t.label === choice.label);
    const sameLang = tracks.find((t) => choice.lang && baseLang(t.language) === baseLang(choice.lang));
    if (same || sameLang) return same ?? sameLang;
  }
  const wanted = (navigator.languages || [navigator.language]).map(baseLang);
  const rank = (track) => {
    const at = wanted.indexOf(baseLang(track.language));
    return at < 0 ? Number.POSITIVE_INFINITY : at;
  };
  const best = tracks.reduce((a, b) => (rank(b) < rank(a) ? b : a), tracks[0]);
  return best ?? null;
}

function showing() {
  return tracks.find((t) => t.mode === 'showing') ?? null;
}

/** Marks the chip of the track that is showing (the browser's own menu may change it too). */
function paintChips() {
  const on = showing();
  if (on) lastShown = on;
  chips.forEach((chip, i) => chip.setAttribute('aria-pressed', String(tracks[i] === on)));
}

/** Shows `track` (null: none) and remembers the choice. */
function choose(track) {
  for (const t of tracks) t.mode = t === track ? 'showing' : 'disabled';
  const choice = track ? { lang: track.language, label: track.label } : { off: true };
  try {
    localStorage.setItem(STORE, JSON.stringify(choice));
  } catch {
    // storage refused (private mode, quota): the choice holds for this page only
  }
  paintChips();
}

function toggleSubtitles() {
  if (tracks.length === 0) return; // nothing to toggle: the remembered choice stays as it is
  choose(showing() ? null : (lastShown ?? initialTrack() ?? tracks[0] ?? null));
}

if (tracks.length > 0) {
  const first = initialTrack();
  for (const t of tracks) t.mode = t === first ? 'showing' : 'disabled';
  paintChips();
  video.textTracks.addEventListener('change', paintChips);
  const subs = document.querySelector('.subs');
  if (subs) subs.hidden = false;
  for (const chip of chips) {
    chip.addEventListener('click', () => {
      const track = tracks[Number(chip.dataset.track)] ?? null;
      choose(track && track.mode === 'showing' ? null : track);
    });
  }
}

// Keys: Space/k play or pause, ←/→ and j/l seek 10 s, f fullscreen, c subtitles, m mute. The video has
// focus at load, so Space plays instead of scrolling the page.
function seek(by) {
  const end = Number.isFinite(media.duration) ? media.duration : Number.POSITIVE_INFINITY;
  media.currentTime = Math.min(Math.max(media.currentTime + by, 0), end);
}

function playPause() {
  if (media.paused) media.play().catch(() => {});
  else media.pause();
}

function fullscreen() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else if (video) video.requestFullscreen().catch(() => {});
}

const KEYS = {
  ' ': playPause,
  k: playPause,
  ArrowLeft: () => seek(-10),
  j: () => seek(-10),
  ArrowRight: () => seek(10),
  l: () => seek(10),
  f: fullscreen,
  c: toggleSubtitles,
  m: () => (media.muted = !media.muted),
};

/** The action of a key event, or undefined when the page leaves the key alone. */
function actionOf(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || media.hidden) return undefined;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return undefined;
  // Space on a focused button or link presses it, as everywhere.
  if (event.key === ' ' && (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement))
    return undefined;
  return Object.hasOwn(KEYS, event.key) ? KEYS[event.key] : undefined;
}

if (media) {
  // Caught on the way down and stopped there: the focused video's own controls would act on the same key
  // (Space would play, then pause again).
  window.addEventListener(
    'keydown',
    (event) => {
      const action = actionOf(event);
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      action();
    },
    true,
  );
  const swallow = (event) => {
    if (!actionOf(event)) return;
    event.preventDefault();
    event.stopPropagation();
  };
  window.addEventListener('keypress', swallow, true);
  window.addEventListener('keyup', swallow, true);
  if (media.tabIndex < 0) media.tabIndex = 0;
  media.focus({ preventScroll: true });
}
