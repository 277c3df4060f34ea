// aqua-serve shelves: on folder pages, the "Continue watching" and "Recently added" rows at the top, watched
// marks on the entries the player remembers, and "search all folders" from the filter; on search and recent
// pages, the same marks. Everything here is an enhancement: without it the pages are plain lists of links.
// Positions are written by player.js under the same key (one JSON object: file path → progress).

const PROGRESS = 'aqua-serve:progress';

/** `{ [file pathname]: { t: seconds, d: duration, w: watched, at: ms since epoch, name } }`, or `{}`. */
function progress() {
  try {
    const stored = JSON.parse(localStorage.getItem(PROGRESS) ?? '{}');
    return stored && typeof stored === 'object' ? stored : {};
  } catch {
    return {};
  }
}

const here = location.pathname.endsWith('/') ? location.pathname : location.pathname.replace(/[^/]*$/, '');
const known = progress();

/** The file an entry link names, as the player keys it (`/Films/A%20b.mp4`), without `?view`. */
const keyOf = (link) => new URL(link.getAttribute('href'), location.href).pathname;

/** A watched tick, or a bar of the part seen, on each entry the player remembers. */
function markEntries(scope = document) {
  const links = scope.querySelectorAll('[data-entry] a[href]:first-of-type, table.listing tbody td:first-child > a');
  for (const link of links) {
    const seen = known[keyOf(link)];
    const holder = link.closest('[data-entry], tr');
    if (!seen || !holder || holder.querySelector('.seen')) continue;
    const mark = document.createElement('span');
    mark.className = seen.w ? 'seen watched' : 'seen part';
    mark.setAttribute('role', 'img');
    if (seen.w) {
      mark.textContent = '✓';
      mark.title = 'Watched';
      mark.setAttribute('aria-label', 'Watched');
    } else {
      mark.title = `Watched up to ${clock(seen.t)}`;
      mark.setAttribute('aria-label', mark.title);
      const bar = document.createElement('span');
      bar.style.width = `${Math.round(Math.min(1, seen.t / (seen.d || 1)) * 100)}%`;
      mark.append(bar);
    }
    holder.classList.toggle('is-watched', Boolean(seen.w));
    link.after(mark);
  }
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return (
    (hms[0] > 0 ? `${hms[0]}:` : '') +
    hms
      .slice(1)
      .map((n, i) => (i === 0 && hms[0] === 0 ? String(n) : String(n).padStart(2, '0')))
      .join(':')
  );
}

/** A row of cards (continue watching, recently added), put at the top of the page's main. */
function shelf(title, className, items) {
  const section = document.createElement('section');
  section.className = `shelf ${className}`;
  const heading = document.createElement('h2');
  heading.textContent = title;
  const list = document.createElement('ul');
  for (const item of items) {
    const li = document.createElement('li');
    li.dataset.entry = item.url;
    const link = document.createElement('a');
    link.href = `${item.url}?view`;
    link.className = 'card';
    const name = document.createElement('span');
    name.className = 'card-name';
    name.textContent = item.name;
    const where = document.createElement('span');
    where.className = 'card-in';
    where.textContent = item.where;
    link.append(name, where);
    li.append(link);
    list.append(li);
  }
  section.append(heading, list);
  return section;
}

const main = document.querySelector('main');
const listing = document.body.classList.contains('page-listing');

/** The folder a file path is in, decoded, relative to this page's folder (`Season 1`), or `''` here. */
function whereOf(url) {
  const folder = decodeURIComponent(url.replace(/[^/]*$/, ''));
  const inside = folder.slice(decodeURIComponent(here).length).replace(/\/$/, '');
  return inside === '' ? '' : `in ${inside.split('/').join(' / ')}`;
}

function nameOf(url) {
  return decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
}

function continueWatching() {
  const items = Object.entries(known)
    .filter(([url, p]) => url.startsWith(here) && !p.w && p.t > 0)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, 12)
    .map(([url]) => ({ url, name: nameOf(url), where: whereOf(url) }));
  return items.length === 0 ? null : shelf('Continue watching', 'continue', items);
}

async function recentlyAdded() {
  try {
    const res = await fetch(`${here}?recent&format=json`, { headers: { Accept: 'application/json' } });
    if (!res.ok) return null;
    const { entries } = await res.json();
    if (!Array.isArray(entries) || entries.length === 0) return null;
    return shelf(
      'Recently added',
      'recent',
      entries.map((e) => ({ url: e.url, name: e.name, where: whereOf(e.url) })),
    );
  } catch {
    return null; // offline or refused: the page is whole without the row
  }
}

// "Search all folders": the filter narrows this folder; a link (and Enter when nothing matches) searches
// every folder below with the same words.
function offerSearch() {
  const filter = document.getElementById('filter');
  if (!filter || !main) return;
  const link = document.createElement('a');
  link.className = 'btn search-all';
  link.hidden = true;
  const update = () => {
    const q = filter.value.trim();
    link.hidden = q === '';
    link.href = `${here}?q=${encodeURIComponent(q)}`;
    link.textContent = `Search all folders for “${q}”`;
  };
  filter.addEventListener('input', update);
  filter.addEventListener('keydown', (event) => {
    const noMatch = document.querySelector('.no-match');
    if (event.key !== 'Enter' || filter.value.trim() === '' || !noMatch || noMatch.hidden) return;
    event.preventDefault();
    location.assign(link.href);
  });
  const anchor = document.querySelector('.no-match');
  if (anchor) anchor.after(link);
  else main.append(link);
  update();
}

if (listing && main) {
  offerSearch();
  const top = document.createElement('div');
  top.className = 'shelves';
  const heading = main.querySelector('h1');
  if (heading) heading.after(top);
  else main.prepend(top);
  const cont = continueWatching();
  if (cont) top.append(cont);
  recentlyAdded().then((row) => {
    if (!row) return;
    top.append(row);
    markEntries(row);
  });
}
markEntries();
// A streamed listing or search page may still be arriving: mark what came later too.
if (document.readyState !== 'complete') window.addEventListener('load', () => markEntries());
