// aqua-serve folder operations on a folder page (loaded only where --upload covers the folder): a "New folder"
// button in the bar, and on each folder's row a "⋯" button with "Rename…" and "Delete…". They send the WebDAV
// methods the server answers with --upload (MKCOL, MOVE with Overwrite: F, DELETE) from this page's origin, so
// the server's cross-origin check lets them through and no other site's page can. Delete asks first; a folder
// that is not empty (the server answers 409 to `Depth: 0`) is deleted with what it holds only after a second,
// explicit confirmation.
'use strict';

(() => {
  const bar = document.querySelector('header.bar');
  const tbody = document.querySelector('table.listing tbody');
  if (!bar || !tbody) return;
  const here = location.pathname.endsWith('/') ? location.pathname : `${location.pathname}/`;

  /** A name the server can take for a new folder: not empty, no slash, not hidden. */
  const problemWith = (name) => {
    if (name === '') return 'The name is empty.';
    if (name.includes('/') || name.includes('\\')) return 'A name cannot contain a slash.';
    if (name.startsWith('.')) return 'A name cannot start with a dot.';
    return null;
  };
  const urlOf = (name) => `${here}${encodeURIComponent(name)}/`;

  const MESSAGES = {
    403: 'This is not allowed here.',
    405: 'Something of that name is already there.',
    409: 'The folder it should go into is gone.',
    412: 'Something of that name is already there.',
    423: 'It is locked by another client.',
  };
  const explain = (what, res) => {
    alert(`${what} failed: ${MESSAGES[res.status] ?? `the server answered ${res.status}.`}`);
  };
  const send = (method, url, headers = {}) => fetch(url, { method, headers, credentials: 'same-origin' });

  const ask = (question, value) => {
    const name = prompt(question, value);
    if (name === null) return null;
    const trimmed = name.trim();
    const problem = problemWith(trimmed);
    if (problem) {
      alert(problem);
      return null;
    }
    return trimmed;
  };

  async function createFolder() {
    const name = ask('Name of the new folder:', '');
    if (name === null) return;
    const res = await send('MKCOL', urlOf(name));
    if (res.status === 201) location.reload();
    else explain('Creating the folder', res);
  }

  async function renameFolder(row) {
    const old = row.dataset.name;
    const name = ask(`Rename the folder “${old}” to:`, old);
    if (name === null || name === old) return;
    const destination = new URL(urlOf(name), location.href).href;
    const res = await send('MOVE', urlOf(old), { Destination: destination, Overwrite: 'F' });
    if (res.status === 201 || res.status === 204) location.reload();
    else explain('Renaming the folder', res);
  }

  async function deleteFolder(row) {
    const name = row.dataset.name;
    if (!confirm(`Delete the folder “${name}”?`)) return;
    let res = await send('DELETE', urlOf(name), { Depth: '0' });
    if (res.status === 409) {
      if (!confirm(`“${name}” is not empty. Delete it and everything in it? This cannot be undone.`)) return;
      res = await send('DELETE', urlOf(name), { Depth: 'infinity' });
    }
    if (res.status === 204) location.reload();
    else explain('Deleting the folder', res);
  }

  const create = document.createElement('button');
  create.type = 'button';
  create.className = 'dl-folder';
  create.dataset.folderNew = '';
  create.title = 'Create a folder here';
  create.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#i-folder"/></svg><span>New folder</span>';
  create.addEventListener('click', createFolder);
  bar.append(create);

  // One menu, moved to the row whose "⋯" was pressed.
  const menu = document.createElement('div');
  menu.className = 'folder-menu';
  menu.hidden = true;
  menu.innerHTML =
    '<button type="button" data-folder-rename>Rename…</button><button type="button" data-folder-delete>Delete…</button>';
  const close = () => {
    menu.hidden = true;
    menu.closest('tr')?.querySelector('[aria-expanded]')?.setAttribute('aria-expanded', 'false');
  };
  menu.addEventListener('click', (event) => {
    const row = menu.closest('tr');
    const action = event.target.closest('button');
    if (!row || !action) return;
    close();
    if (action.matches('[data-folder-rename]')) renameFolder(row);
    else deleteFolder(row);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !menu.hidden) close();
  });

  for (const row of tbody.querySelectorAll('tr.d')) {
    const link = row.cells[0]?.querySelector('a');
    if (!link || !row.cells[3]) continue;
    try {
      row.dataset.name = decodeURIComponent(link.getAttribute('href').replace(/\/$/, '').split('/').pop());
    } catch {
      continue; // a name that is not UTF-8: it cannot be typed in a prompt either
    }
    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'folder-more';
    more.textContent = '⋯';
    more.title = `Rename or delete “${row.dataset.name}”`;
    more.setAttribute('aria-label', more.title);
    more.setAttribute('aria-haspopup', 'menu');
    more.setAttribute('aria-expanded', 'false');
    more.addEventListener('click', () => {
      const open = !menu.hidden && menu.parentElement === row.cells[3];
      close();
      if (open) return;
      row.cells[3].append(menu);
      menu.hidden = false;
      more.setAttribute('aria-expanded', 'true');
      menu.querySelector('button').focus();
    });
    row.cells[3].append(more);
  }
})();
