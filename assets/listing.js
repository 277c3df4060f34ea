// aqua-serve listing page: sorting in place, the filter box, keyboard navigation, viewers, downloads and
// the playlist buttons. Progressive enhancement only: without this script the header forms sort on the
// server and every entry is a plain link to the file itself (what crawlers and mirroring tools follow).

const table = document.querySelector('table.listing');
let tbody = table.tBodies[0];
const upRow = tbody.querySelector('tr.up');
const rows = Array.from(tbody.querySelectorAll('tr[data-m]'));
const filter = document.getElementById('filter');
const noMatch = document.querySelector('.no-match');
const shown = document.querySelector('.totals .shown');
const nameLink = (row) => row.cells[0].firstElementChild;
const kindOf = (row) => row.classList[0];

// Row kinds (one letter, see src/pages/listing/html.ts): these open in a viewer page (`?view`).
const VIEWER = new Set(['v', 'a', 'i', 't']);
const FIRST_ORDER = { name: 'asc', size: 'desc', date: 'desc' };

/** Case and accents folded away (NFD, combining marks dropped): "Amélie" and "AMELIE" are one. */
const fold = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

// What each row is sorted and filtered by, read once: parallel arrays indexed like `rows`.
const count = rows.length;
const folded = new Array(count);
// A library page's sidecars (subtitles, .nfo, artwork: `data-of` names their video, see library.js) are
// folded into their video's row while no filter is typed; a filter shows every row that matches.
const sidecar = new Uint8Array(count);
const isDir = new Uint8Array(count);
const sizes = new Float64Array(count);
const mtimes = new Float64Array(count);
for (let i = 0; i < count; i++) {
  const row = rows[i];
  folded[i] = fold(nameLink(row).textContent);
  isDir[i] = kindOf(row) === 'd' ? 1 : 0;
  sizes[i] = Number(row.dataset.s);
  mtimes[i] = Number(row.dataset.m);
  sidecar[i] = row.dataset.of === undefined ? 0 : 1;
  if (sidecar[i]) row.hidden = true;
}

// Each row's place in name order, so every sort compares numbers only (a 10,000-row sort then takes a
// few milliseconds; collator comparisons would take a second). The server sent the rows in name order
// when the page was sorted by name; otherwise the ranks are computed once, with the server's rule.
const nameRank = new Uint32Array(count);
(function rankNames() {
  const { sort, order } = table.dataset;
  if (sort === 'name') {
    // Folders come first in both orders; within each group the order is A→Z or Z→A.
    const folders = isDir.reduce((n, d) => n + d, 0);
    for (let i = 0; i < count; i++) {
      const within = isDir[i] ? i : i - folders;
      const size = isDir[i] ? folders : count - folders;
      nameRank[i] = order === 'desc' ? size - 1 - within : within;
    }
    return;
  }
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const names = rows.map((row) => nameLink(row).textContent);
  const byName = Array.from(rows.keys()).sort(
    (a, b) => collator.compare(names[a], names[b]) || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0),
  );
  byName.forEach((index, rank) => (nameRank[index] = rank));
})();

/** The same order as the server's (src/fs/sort.ts): folders first, then the key, ties by name A→Z. */
function order(sort, direction) {
  const sign = direction === 'asc' ? 1 : -1;
  const key = sort === 'size' ? sizes : sort === 'date' ? mtimes : null;
  const indices = Array.from(rows.keys());
  indices.sort((a, b) => {
    if (isDir[a] !== isDir[b]) return isDir[b] - isDir[a];
    if (key === null) return sign * (nameRank[a] - nameRank[b]);
    return sign * (key[a] - key[b]) || nameRank[a] - nameRank[b];
  });
  return indices;
}

function applySort(sort, direction) {
  // Rows are moved into a detached body, which then replaces the old one: one style and layout pass
  // for the whole table instead of one invalidation per moved row.
  const body = document.createElement('tbody');
  if (upRow) body.append(upRow);
  for (const i of order(sort, direction)) body.append(rows[i]);
  tbody.replaceWith(body);
  tbody = body;
  table.dataset.sort = sort;
  table.dataset.order = direction;
  for (const button of table.querySelectorAll('th button[data-sort]')) {
    const key = button.dataset.sort;
    const th = button.closest('th');
    const active = key === sort;
    button.form.elements.order.value = active ? (direction === 'asc' ? 'desc' : 'asc') : FIRST_ORDER[key];
    if (active) th.setAttribute('aria-sort', direction === 'asc' ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
    button.querySelector('.arrow').textContent = active ? (direction === 'asc' ? '↑' : '↓') : '\u00a0';
  }
  const url = new URL(location.href);
  url.searchParams.set('sort', sort);
  url.searchParams.set('order', direction);
  history.replaceState(history.state, '', url);
  announce();
}

/** Tells the library view (library.js) that the rows' order or filter changed. */
function announce() {
  document.dispatchEvent(new CustomEvent('aqua-serve:rows'));
}

table.querySelector('thead').addEventListener('submit', (event) => {
  const button = event.submitter;
  if (!button?.dataset.sort) return;
  event.preventDefault();
  applySort(button.dataset.sort, event.target.elements.order.value);
});

// Filtering: every word of the query is in the name, in any order, case and accents ignored; the parent
// row hides while a filter is active. Only rows whose state changes are touched, so typing in a
// 10,000-row folder stays quick.
let lastQuery = '';
function applyFilter() {
  const words = fold(filter.value)
    .split(/\s+/)
    .filter((w) => w !== '');
  const query = words.join(' ');
  if (query === lastQuery) return;
  lastQuery = query;
  let matches = 0;
  // The body is taken out of the table while its rows change (as in applySort): one layout, not many.
  const placeholder = document.createComment('rows');
  tbody.replaceWith(placeholder);
  for (let i = 0; i < count; i++) {
    const name = folded[i];
    const hide = query === '' ? sidecar[i] === 1 : !words.every((w) => name.includes(w));
    if (rows[i].hidden !== hide) rows[i].hidden = hide;
    if (!hide) matches++;
  }
  placeholder.replaceWith(tbody);
  if (upRow) upRow.hidden = query !== '';
  noMatch.hidden = matches > 0 || count === 0;
  shown.hidden = query === '';
  shown.textContent = `${matches} of ${count} shown`;
  select(query === '' ? firstVisible(1) : bestMatch(), false);
  announce();
}

// Files that come with a film (subtitles, metadata, checksums): a filter that finds a film and its
// sidecars selects the film, so Enter plays it.
const SIDECAR = /\.(vtt|srt|ass|ssa|sub|idx|nfo|sfv|md5|sha1|sha256)$/i;

/** The row Enter opens: the first shown video or audio, else the first that is no sidecar, else the first. */
function bestMatch() {
  let first = null;
  let plain = null;
  for (const row of tbody.rows) {
    if (row.hidden || row === upRow) continue;
    const kind = kindOf(row);
    if (kind === 'v' || kind === 'a') return row;
    first ??= row;
    if (!plain && !SIDECAR.test(nameLink(row).textContent)) plain = row;
  }
  return plain ?? first;
}

filter.addEventListener('input', applyFilter);

// A file that has a viewer opens it (`name?view`); the link itself stays the file for everyone else.
table.addEventListener('click', (event) => {
  const link = event.target.closest('tbody td:first-child > a');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
  if (!VIEWER.has(kindOf(link.closest('tr')))) return;
  event.preventDefault();
  location.assign(`${link.getAttribute('href')}?view`);
});

// One download button, moved to the row under the pointer or the keyboard selection.
const download = document.createElement('a');
download.className = 'dl';
download.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#i-download"/></svg>';
function offerDownload(row) {
  if (!row || row === upRow || kindOf(row) === 'd') return download.remove();
  const link = nameLink(row);
  download.href = `${link.getAttribute('href')}?download`;
  download.setAttribute('download', link.textContent);
  download.setAttribute('aria-label', `Download ${link.textContent}`);
  download.title = `Download ${link.textContent}`;
  if (download.parentElement !== row.cells[3]) row.cells[3].append(download);
}
table.addEventListener('mouseover', (event) => {
  const row = event.target.closest('tbody tr');
  if (!row) return;
  offerDownload(row);
  const time = row.cells[2];
  if (time && !time.title && row.dataset.m) time.title = new Date(Number(row.dataset.m)).toLocaleString();
});

// Keyboard: "/" focuses the filter, arrows move the selection, Enter opens it, Escape clears.
let selected = null;

function select(row, focus) {
  if (selected) selected.classList.remove('selected');
  selected = row;
  if (!row) return;
  row.classList.add('selected');
  offerDownload(row);
  if (focus) {
    nameLink(row).focus();
    row.scrollIntoView({ block: 'nearest' });
  }
}

/** The nearest visible row from `from` (a row or null) in direction `step`, in the table's order. */
function firstVisible(step, from = null) {
  let row = from ? (step > 0 ? from.nextElementSibling : from.previousElementSibling) : null;
  if (!from) row = step > 0 ? tbody.firstElementChild : tbody.lastElementChild;
  while (row && row.hidden) row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
  return row;
}

function move(step) {
  const next = selected && !selected.hidden ? (firstVisible(step, selected) ?? selected) : firstVisible(step);
  if (next) select(next, true);
}

document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const inFilter = event.target === filter;
  const typing = inFilter || event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
  if (event.key === '/' && !typing) {
    event.preventDefault();
    filter.focus();
    filter.select();
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    move(event.key === 'ArrowDown' ? 1 : -1);
  } else if (event.key === 'Enter' && inFilter) {
    event.preventDefault();
    const target = selected && !selected.hidden ? selected : firstVisible(1);
    if (target) nameLink(target).click();
  } else if (event.key === 'Escape' && inFilter) {
    filter.value = '';
    applyFilter();
    filter.blur();
  }
});

// Rows followed by mouse or Tab focus become the selection, so arrows continue from there.
table.addEventListener('focusin', (event) => {
  const row = event.target.closest('tbody tr');
  if (row && row !== selected && !download.contains(event.target)) select(row, false);
});

// The folder's media as a playlist (`?format=m3u`): opened by the system's player, or its address copied.
const playlist = document.querySelector('.playlist');
if (rows.some((row) => kindOf(row) === 'v' || kindOf(row) === 'a')) {
  playlist.hidden = false;
  const address = new URL('?format=m3u', location.href).href;
  playlist.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-playlist]');
    if (!button) return;
    if (button.dataset.playlist === 'open') {
      location.assign(address);
      return;
    }
    const label = button.querySelector('.label');
    try {
      await navigator.clipboard.writeText(address);
      label.textContent = 'Copied';
    } catch {
      label.textContent = address;
    }
  });
}

// A filter typed before the script ran (or restored by the browser) applies at once.
if (filter.value !== '') applyFilter();
