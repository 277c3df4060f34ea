// aqua-serve listing page: sorting in place, the filter box and keyboard navigation.
// Progressive enhancement only: without this script the header links sort on the server and every
// entry is a plain link.

const table = document.querySelector('table.listing');
const tbody = table.tBodies[0];
const upRow = tbody.querySelector('tr.up');
const rows = Array.from(tbody.querySelectorAll('tr[data-mtime]'));
const filter = document.getElementById('filter');
const noMatch = document.querySelector('.no-match');
const shown = document.querySelector('.totals .shown');

// The same order as the server's sortEntries (src/listing/sort.ts): folders first, natural names.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const compareNames = (a, b) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
const FIRST_ORDER = { name: 'asc', size: 'desc', date: 'desc' };

// What each row is sorted and filtered by: its name (the link text), folder or not, size, mtime.
const info = new Map(
  rows.map((row) => {
    const name = row.querySelector('.name').textContent;
    return [
      row,
      {
        name,
        folded: name.normalize('NFC').toLowerCase(),
        dir: row.classList.contains('dir'),
        size: Number(row.dataset.size),
        mtime: Number(row.dataset.mtime),
      },
    ];
  }),
);

function compare(a, b, sort, order) {
  const x = info.get(a);
  const y = info.get(b);
  if (x.dir !== y.dir) return x.dir ? -1 : 1;
  const sign = order === 'asc' ? 1 : -1;
  if (sort === 'size')
    return x.dir ? compareNames(x.name, y.name) : sign * (x.size - y.size) || compareNames(x.name, y.name);
  if (sort === 'date') return sign * (x.mtime - y.mtime) || compareNames(x.name, y.name);
  return sign * compareNames(x.name, y.name);
}

function applySort(sort, order) {
  const sorted = rows.slice().sort((a, b) => compare(a, b, sort, order));
  tbody.append(...(upRow ? [upRow] : []), ...sorted);
  table.dataset.sort = sort;
  table.dataset.order = order;
  for (const link of table.querySelectorAll('th a[data-sort]')) {
    const key = link.dataset.sort;
    const th = link.parentElement;
    const arrow = link.querySelector('.arrow');
    const active = key === sort;
    const next = active ? (order === 'asc' ? 'desc' : 'asc') : FIRST_ORDER[key];
    link.setAttribute('href', `?sort=${key}&order=${next}`);
    if (active) th.setAttribute('aria-sort', order === 'asc' ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
    arrow.textContent = active ? (order === 'asc' ? '↑' : '↓') : '\u00a0';
  }
  const url = new URL(location.href);
  url.searchParams.set('sort', sort);
  url.searchParams.set('order', order);
  history.replaceState(history.state, '', url);
}

table.querySelector('thead').addEventListener('click', (event) => {
  const link = event.target.closest('a[data-sort]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  const params = new URLSearchParams(link.getAttribute('href').slice(1));
  applySort(params.get('sort'), params.get('order'));
});

// Filtering: case-insensitive substring of the name; the parent row hides while a filter is active.
function visibleRows() {
  return Array.from(tbody.rows).filter((row) => !row.hidden);
}

function applyFilter() {
  const query = filter.value.trim().normalize('NFC').toLowerCase();
  let count = 0;
  for (const row of rows) {
    const match = query === '' || info.get(row).folded.includes(query);
    row.hidden = !match;
    if (match) count++;
  }
  if (upRow) upRow.hidden = query !== '';
  noMatch.hidden = count > 0 || rows.length === 0;
  shown.hidden = query === '';
  shown.textContent = `${count} of ${rows.length} shown`;
  select(visibleRows()[0] ?? null, false);
}

filter.addEventListener('input', applyFilter);

// Keyboard: "/" focuses the filter, arrows move the selection, Enter opens it, Escape clears.
let selected = null;

function select(row, focus) {
  if (selected) selected.classList.remove('selected');
  selected = row;
  if (!row) return;
  row.classList.add('selected');
  if (focus) {
    const link = row.querySelector('a.entry');
    link.focus();
    row.scrollIntoView({ block: 'nearest' });
  }
}

function move(step) {
  const visible = visibleRows();
  if (visible.length === 0) return;
  const at = visible.indexOf(selected);
  const next = at < 0 ? (step > 0 ? 0 : visible.length - 1) : Math.min(visible.length - 1, Math.max(0, at + step));
  select(visible[next], true);
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
    const target = selected && !selected.hidden ? selected : visibleRows()[0];
    target?.querySelector('a.entry')?.click();
  } else if (event.key === 'Escape' && inFilter) {
    filter.value = '';
    applyFilter();
    filter.blur();
  }
});

// Rows followed by mouse or Tab focus become the selection, so arrows continue from there.
tbody.addEventListener('focusin', (event) => {
  const row = event.target.closest('tr');
  if (row && row !== selected) select(row, false);
});

// Exact times on hover in the visitor's own time zone (the page has them in UTC).
for (const row of rows) {
  const time = row.querySelector('time');
  if (time) time.title = new Date(info.get(row).mtime).toLocaleString();
}

// A filter typed before the script ran (or restored by the browser) applies at once.
if (filter.value !== '') applyFilter();
