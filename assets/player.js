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

// Memory: the position and watched state of each file, in localStorage under one key (shelves.js reads it
// for the folder pages' marks and "Continue watching"). No server database: each browser remembers its own.
const PROGRESS = 'aqua-serve:progress';
/** Files remembered at most; the longest untouched are forgotten first. */
const REMEMBERED = 400;
/** Seen this share of a file (or to its end): watched. */
const WATCHED = 0.9;
/** Nearer the end than this share, a position is not resumed (the credits are not worth resuming). */
const RESUME_BEFORE = 0.95;
const here = location.pathname;

function remembered() {
  try {
    const all = JSON.parse(localStorage.getItem(PROGRESS) ?? '{}');
    return all && typeof all === 'object' ? all : {};
  } catch {
    return {};
  }
}

function remember(entry) {
  const all = remembered();
  all[here] = { ...entry, at: Date.now() };
  const keys = Object.keys(all);
  if (keys.length > REMEMBERED)
    keys
      .sort((a, b) => (all[a].at ?? 0) - (all[b].at ?? 0))
      .slice(0, keys.length - REMEMBERED)
      .forEach((k) => delete all[k]);
  try {
    localStorage.setItem(PROGRESS, JSON.stringify(all));
  } catch {
    // storage refused or full: the position holds for this visit only
  }
}

let savedAt = 0;
function savePosition(force = false) {
  if (!media || media.hidden || !Number.isFinite(media.duration) || media.duration <= 0) return;
  if (!force && performance.now() - savedAt < 4000) return;
  savedAt = performance.now();
  const d = media.duration;
  const t = media.currentTime;
  const before = remembered()[here];
  const watched = Boolean(before?.w) || media.ended || t >= d * WATCHED;
  remember({ t: media.ended ? d : t, d, w: watched });
}

/** `#t=95` (or `#t=1:35`) in the page's address: where a shared link starts. */
function sharedStart() {
  const match = /(?:^#|&)t=(?:(\d+):)?(\d+(?:\.\d+)?)/.exec(location.hash);
  if (!match) return null;
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}

function toast(text, action) {
  const box = document.createElement('div');
  box.className = 'toast';
  box.setAttribute('role', 'status');
  const words = document.createElement('span');
  words.textContent = text;
  box.append(words);
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn';
    button.textContent = action.label;
    button.addEventListener('click', () => {
      action.run();
      box.remove();
    });
    box.append(button);
  }
  document.querySelector('.stage')?.append(box);
  setTimeout(() => box.remove(), 8000);
  return box;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** At load: a shared link's `#t=`, else where this browser left the file (silently, with "Start over"). */
function resume() {
  const shared = sharedStart();
  if (shared !== null) {
    media.currentTime = Math.min(shared, media.duration || shared);
    return;
  }
  const last = remembered()[here];
  if (!last || last.w || !(last.t >= 5) || last.t >= media.duration * RESUME_BEFORE) return;
  media.currentTime = last.t;
  toast(`Resumed at ${clock(last.t)}`, { label: 'Start over', run: () => (media.currentTime = 0) });
}

if (media && !media.hidden) {
  if (media.readyState >= HTMLMediaElement.HAVE_METADATA) resume();
  else media.addEventListener('loadedmetadata', resume, { once: true });
  media.addEventListener('timeupdate', () => savePosition());
  for (const type of ['pause', 'seeked', 'ended']) media.addEventListener(type, () => savePosition(true));
  window.addEventListener('pagehide', () => savePosition(true));
}

// Autoplay next: when a file ends, the next one (in this folder or the next season's) starts after a short
// countdown that "Cancel" (or Esc) stops. The next page plays at once: this page asked it to.
const AUTOPLAY = 'aqua-serve:autoplay';
const COUNTDOWN = 5;
const nextLink = document.querySelector('a[rel=next]');

function goNext() {
  try {
    sessionStorage.setItem(AUTOPLAY, new URL(nextLink.href).pathname);
  } catch {
    // storage refused: the next page opens paused
  }
  location.assign(nextLink.href);
}

function countdown() {
  if (!nextLink || document.querySelector('.up-next')) return;
  const box = document.createElement('div');
  box.className = 'up-next';
  box.setAttribute('role', 'status');
  const words = document.createElement('p');
  const play = document.createElement('button');
  play.type = 'button';
  play.className = 'btn primary';
  play.textContent = 'Play now';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'btn';
  cancel.textContent = 'Cancel';
  cancel.dataset.cancel = '';
  const buttons = document.createElement('p');
  buttons.append(play, cancel);
  box.append(words, buttons);
  let left = COUNTDOWN;
  const name = nextLink.querySelector('.step-name')?.textContent ?? '';
  const paint = () => (words.textContent = `Next: ${name} in ${left} s`);
  paint();
  const timer = setInterval(() => {
    left--;
    if (left > 0) return paint();
    clearInterval(timer);
    goNext();
  }, 1000);
  const stop = () => {
    clearInterval(timer);
    box.remove();
    document.removeEventListener('keydown', onEscape, true);
  };
  const onEscape = (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopImmediatePropagation();
    stop();
  };
  play.addEventListener('click', () => {
    clearInterval(timer);
    goNext();
  });
  cancel.addEventListener('click', stop);
  document.addEventListener('keydown', onEscape, true);
  document.querySelector('.stage')?.append(box);
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  cancel.focus({ preventScroll: true });
}

if (media && !media.hidden) {
  media.addEventListener('ended', countdown);
  let asked = null;
  try {
    asked = sessionStorage.getItem(AUTOPLAY);
    if (asked !== null) sessionStorage.removeItem(AUTOPLAY);
  } catch {
    // no storage: no autoplay
  }
  if (asked === here) media.play().catch(() => {});
}

// Share: a link to this player page at the current moment (`#t=`), with the LAN address when the page was
// opened on this machine (the server names it), copied and shown; the QR code of it on demand.
const share = document.querySelector('.share[data-share-origin]');
if (share && media) {
  share.hidden = false;
  const panel = share.querySelector('.share-panel');
  const field = share.querySelector('.share-url');
  const qr = share.querySelector('img.qr');
  const qrButton = share.querySelector('button[data-qr]');
  const shareButton = share.querySelector('button[data-share]');
  const at = () => Math.floor(media.currentTime || 0);
  const link = () =>
    `${share.dataset.shareOrigin || location.origin}${location.pathname}?view${at() > 0 ? `#t=${at()}` : ''}`;
  shareButton.addEventListener('click', async () => {
    field.value = link();
    panel.hidden = false;
    field.select();
    let ok;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(field.value);
        ok = true;
      } else ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    const label = shareButton.querySelector('.label');
    label.textContent = ok ? 'Link copied' : 'Copy the link below';
    setTimeout(() => (label.textContent = 'Share at this moment'), 2000);
  });
  qrButton.addEventListener('click', () => {
    const open = qrButton.getAttribute('aria-expanded') !== 'true';
    qrButton.setAttribute('aria-expanded', String(open));
    if (open) {
      field.value = link();
      qr.src = `${location.pathname}?view&format=qr&t=${at()}`;
    }
    qr.hidden = !open;
    panel.hidden = !open && field.value === '';
  });
}
