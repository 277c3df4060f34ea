// aqua-serve library view (issue 14): for a folder that holds media, a grid of posters beside the list,
// the choice kept in localStorage. Built from the rows' hints (src/pages/listing/library.ts): sidecars
// (subtitles, .nfo, artwork) are folded into their video's card, subtitle languages shown as badges (on
// the list's rows too), episodes grouped by season and ordered by number. Runs after listing.js, which
// announces each sort and filter with an `aqua-serve:rows` event. Without this script: the plain list.
//
// Every card is an `<li data-entry="…">` (the row's `data-entry`) whose first link is the entry's own
// `<a href>`, as the row's is: scripts that mark entries find both the same way.

const table = document.querySelector('table.listing');
const allRows = () => Array.from(table.tBodies[0].querySelectorAll('tr[data-entry]'));
const STORE = 'aqua-serve:view';
const VIEWER = new Set(['v', 'a', 'i', 't']);
const GRID_MAX = 5000;

const languages = new Intl.DisplayNames(navigator.languages ?? ['en'], { type: 'language', fallback: 'code' });
function languageName(tag) {
  try {
    return languages.of(tag);
  } catch {
    return tag;
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const kindOf = (row) => row.classList[0];
const linkOf = (row) => row.cells[0].firstElementChild;
const nameOf = (row) => linkOf(row).textContent;
/** A film's or a track's title is its name without the extension; other names are shown whole. */
const title = (row) => (['v', 'a'].includes(kindOf(row)) ? nameOf(row).replace(/\.[^.]+$/, '') : nameOf(row));

/** Sidecars by the entry they come with (`data-of` is that entry's `data-entry`). */
function sidecarsByOwner(rows) {
  const owners = new Map();
  for (const row of rows) {
    const of = row.dataset.of;
    if (of === undefined) continue;
    if (!owners.has(of)) owners.set(of, []);
    owners.get(of).push(row);
  }
  return owners;
}

/** The subtitle languages of a video's sidecars, as badges (`EN`, `DE`; `CC` for a track without one). */
function badges(sidecars) {
  const box = element('span', 'badges');
  const seen = new Set();
  for (const row of sidecars) {
    const lang = row.dataset.lang;
    if (lang === undefined || seen.has(lang)) continue;
    seen.add(lang);
    const badge = element('span', 'badge', lang === '' ? 'CC' : lang.toUpperCase());
    badge.title = lang === '' ? 'Subtitles' : `Subtitles: ${languageName(lang)}`;
    badge.prepend(element('span', 'sr', 'Subtitles: '));
    box.append(badge);
  }
  return seen.size > 0 ? box : null;
}

/** A poster: the thumbnail first (`?thumb`), then the picture itself, then the kind's drawn placeholder. */
function art(row) {
  const box = element('span', 'art');
  const kind = kindOf(row);
  const href = linkOf(row).getAttribute('href');
  const picture = row.dataset.poster ?? (kind === 'i' ? href : null);
  const source = picture ?? (kind === 'v' ? href : null);
  if (source === null) return box;
  const img = element('img');
  img.alt = '';
  img.loading = 'lazy';
  img.decoding = 'async';
  img.addEventListener('error', () => {
    if (picture !== null && img.dataset.step !== 'original') {
      img.dataset.step = 'original';
      img.src = picture;
    } else {
      img.remove();
      box.classList.remove('has-art');
    }
  });
  img.src = `${source}?thumb`;
  box.classList.add('has-art');
  box.append(img);
  return box;
}

/** An episode's card shows what follows its number (`S01E02 - The Title` → `The Title`), else its name. */
function cardTitle(row) {
  const whole = title(row);
  if (row.dataset.episode === undefined) return whole;
  const after = /(?:s\d{1,3}[ ._-]?e\d{1,4}|\d{1,2}x\d{2,3})(.*)$/i.exec(whole)?.[1] ?? '';
  const rest = after.replace(/^[\s._\-–—:]+/, '').trim();
  return rest === '' ? whole : rest;
}

/** A season's label: `Season 2`, `Specials`. */
const seasonLabel = (season) => (season === 0 ? 'Specials' : `Season ${season}`);

function episodeLabel(row) {
  const { season, episode } = row.dataset;
  if (episode === undefined) return null;
  const e = `E${episode.padStart(2, '0')}`;
  return season === undefined ? e : `S${season.padStart(2, '0')}${e}`;
}

/** The files that come with a video (or a folder), in a disclosure: folded, still a link each. */
function sidecarDetails(sidecars) {
  if (sidecars.length === 0) return null;
  const details = element('details', 'sidecars');
  const count = sidecars.length;
  details.append(element('summary', '', `${count} more file${count === 1 ? '' : 's'}`));
  const list = element('ul');
  for (const side of sidecars) {
    const li = element('li');
    const a = element('a', '', nameOf(side));
    a.href = linkOf(side).getAttribute('href');
    li.append(a);
    list.append(li);
  }
  details.append(list);
  return details;
}

/** One card: the entry's link (poster and title), then its episode, badges and folded sidecars. */
function card(row, sidecars) {
  const item = element('li', `card ${kindOf(row)}${row.dataset.episode === undefined ? '' : ' ep'}`);
  item.dataset.entry = row.dataset.entry;
  const link = element('a', 'card-link');
  link.href = linkOf(row).getAttribute('href');
  link.append(art(row), element('span', 'card-title', cardTitle(row)));
  link.title = nameOf(row);
  item.append(link);
  const facts = element('p', 'card-facts');
  const ep = episodeLabel(row);
  if (ep !== null) facts.append(element('span', 'ep', ep));
  const marks = badges(sidecars);
  if (marks) facts.append(marks);
  if (facts.childNodes.length > 0) item.append(facts);
  const details = sidecarDetails(sidecars);
  if (details) item.append(details);
  return item;
}

/** Groups of cards, in order: folders, then each season's episodes by number, then everything else. */
function groups(rows, byName) {
  if (!byName) return [{ label: null, rows }];
  const folders = rows.filter((r) => kindOf(r) === 'd');
  const episodes = rows.filter((r) => kindOf(r) !== 'd' && r.dataset.episode !== undefined);
  const rest = rows.filter((r) => kindOf(r) !== 'd' && r.dataset.episode === undefined);
  const seasons = new Map();
  for (const row of episodes) {
    const season = row.dataset.season === undefined ? -1 : Number(row.dataset.season);
    if (!seasons.has(season)) seasons.set(season, []);
    seasons.get(season).push(row);
  }
  // Specials (season 0) after the numbered seasons; within a season by episode, then as listed.
  const order = [...seasons.keys()].sort((a, b) => (a === 0) - (b === 0) || a - b);
  const out = [];
  if (folders.length > 0) out.push({ label: 'Folders', rows: folders });
  for (const season of order) {
    const list = seasons.get(season);
    const at = new Map(list.map((r, i) => [r, i]));
    list.sort((a, b) => Number(a.dataset.episode) - Number(b.dataset.episode) || at.get(a) - at.get(b));
    out.push({ label: season < 0 ? 'Episodes' : seasonLabel(season), rows: list });
  }
  if (rest.length > 0) out.push({ label: episodes.length > 0 ? 'More files' : 'Files', rows: rest });
  return out.length > 1 ? out : [{ label: null, rows }];
}

const grid = element('div', 'library');
grid.hidden = true;
let cards = new Map(); // row → card
let owners = new Map();

/** (Re)builds the grid in the table's current order; cards follow the filter (a sidecar match shows its film). */
function build() {
  const rows = allRows();
  owners = sidecarsByOwner(rows);
  const shown = rows.filter((r) => r.dataset.of === undefined);
  const visible = (row) => !row.hidden || (owners.get(row.dataset.entry) ?? []).some((s) => !s.hidden);
  const old = cards;
  cards = new Map();
  grid.replaceChildren();
  for (const group of groups(shown, table.dataset.sort === 'name')) {
    const section = element('section', 'shelf');
    if (group.label) section.append(element('h2', 'shelf-title', group.label));
    const list = element('ul', 'cards');
    for (const row of group.rows) {
      const item = old.get(row) ?? card(row, owners.get(row.dataset.entry) ?? []);
      item.hidden = !visible(row);
      cards.set(row, item);
      list.append(item);
    }
    section.hidden = group.rows.every((r) => !visible(r));
    section.append(list);
    grid.append(section);
  }
}

/** The list's rows: a video's languages as badges, and its folded sidecars in a disclosure under its name. */
function foldRows(rows) {
  for (const row of rows) {
    const sidecars = owners.get(row.dataset.entry) ?? [];
    if (sidecars.length === 0) continue;
    const marks = kindOf(row) === 'v' ? badges(sidecars) : null;
    if (marks) row.cells[0].append(marks);
    row.cells[0].append(sidecarDetails(sidecars));
  }
}

// The toggle: two buttons, the pressed one is the view shown.
const toggle = element('span', 'view-toggle');
toggle.setAttribute('role', 'group');
toggle.setAttribute('aria-label', 'View');
const buttons = {};
for (const [mode, label] of [
  ['list', 'List'],
  ['grid', 'Grid'],
]) {
  const button = element('button', 'btn');
  button.type = 'button';
  button.dataset.view = mode;
  button.innerHTML = `<svg class="icon" aria-hidden="true"><use href="#i-${mode === 'list' ? 'text' : 'image'}"/></svg>`;
  button.setAttribute('aria-label', `${label} view`);
  button.title = `${label} view`;
  button.addEventListener('click', () => show(mode, true));
  buttons[mode] = button;
  toggle.append(button);
}

function show(mode, remember) {
  const asGrid = mode === 'grid';
  if (asGrid) build();
  grid.hidden = !asGrid;
  table.classList.toggle('as-grid', asGrid);
  for (const [key, button] of Object.entries(buttons)) button.setAttribute('aria-pressed', String(key === mode));
  if (!remember) return;
  try {
    localStorage.setItem(STORE, mode);
  } catch {
    // storage refused: the choice holds for this page
  }
}

function stored() {
  try {
    return localStorage.getItem(STORE);
  } catch {
    return null;
  }
}

/**
 * Arrow keys in the grid: ← → to the previous and next card, ↑ ↓ to the card above or below (the nearest
 * one in the next row); from the filter, ↓ goes to the first card. Enter opens the focused card. Caught
 * before listing.js, whose arrows move through the list's rows.
 */
function moveInGrid(event) {
  if (grid.hidden || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(event.key)) return;
  const links = Array.from(grid.querySelectorAll('section:not([hidden]) li.card:not([hidden]) > a.card-link'));
  if (links.length === 0) return;
  const at = links.indexOf(document.activeElement);
  let next = null;
  if (at < 0) {
    if (event.target !== document.getElementById('filter') && event.target !== document.body) return;
    if (event.key === 'ArrowDown') next = links[0];
  } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
    next = links[at + (event.key === 'ArrowRight' ? 1 : -1)] ?? null;
  } else {
    const here = links[at].getBoundingClientRect();
    const down = event.key === 'ArrowDown';
    let best = null;
    for (const link of links) {
      const box = link.getBoundingClientRect();
      if (down ? box.top <= here.top + 4 : box.top >= here.top - 4) continue;
      const score = [Math.abs(box.top - here.top), Math.abs(box.left - here.left)];
      if (
        !best ||
        score[0] < best.score[0] - 4 ||
        (Math.abs(score[0] - best.score[0]) <= 4 && score[1] < best.score[1])
      )
        best = { link, score };
    }
    next = best?.link ?? null;
  }
  event.preventDefault();
  event.stopPropagation();
  if (next) {
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  }
}

const rows = allRows();
if (rows.length > 0 && rows.length <= GRID_MAX) {
  owners = sidecarsByOwner(rows);
  foldRows(rows);
  const bar = document.querySelector('header.bar');
  bar.insertBefore(toggle, document.querySelector('.filter').nextSibling);
  table.after(grid);
  show(stored() === 'grid' ? 'grid' : 'list', false);
  document.addEventListener('aqua-serve:rows', () => {
    if (!grid.hidden) build();
  });
  window.addEventListener('keydown', moveInGrid, true);
  // A card of a file with a viewer opens it (`name?view`), as the list's rows do.
  grid.addEventListener('click', (event) => {
    const link = event.target.closest('a.card-link');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    if (!VIEWER.has(link.closest('li.card').classList[1])) return;
    event.preventDefault();
    location.assign(`${link.getAttribute('href')}?view`);
  });
}
