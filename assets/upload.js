// aqua-serve uploads on a folder page (loaded only where --upload covers the folder): the "Upload" button's
// file picker, and files or whole folders dropped on the page, sent one at a time with tus 1.0 to this
// folder's URL. Each shows its progress and speed; a dropped connection is retried (and resumed where the
// server got to), and an upload cut short by a closed tab or lid resumes when the same file is chosen again
// (its upload URL is kept in localStorage). The file appears in the listing only when complete.
'use strict';

(() => {
  const panel = document.querySelector('[data-upload]');
  const picker = document.querySelector('[data-upload-input]');
  const pick = document.querySelector('[data-upload-pick]');
  if (!panel || !picker || !pick) return;
  const list = panel.querySelector('ul');
  const reload = panel.querySelector('[data-upload-reload]');
  const folderUrl = location.pathname;
  const queue = [];
  let running = false;

  const TUS = { 'Tus-Resumable': '1.0.0' };
  const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];

  const b64 = (text) => {
    let bin = '';
    for (const byte of new TextEncoder().encode(text)) bin += String.fromCharCode(byte);
    return btoa(bin);
  };
  const sizeText = (n) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
  };

  /** One XMLHttpRequest as a promise; `onProgress(sentBytes)` while a body goes out. */
  const request = (method, url, headers, body, onProgress) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = () => reject(new Error('network'));
      xhr.ontimeout = () => reject(new Error('network'));
      xhr.send(body ?? null);
    });

  /** A row of the uploads list, with what it shows updated in place. */
  const row = (path, size) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'up-name';
    name.textContent = path;
    const bar = document.createElement('progress');
    bar.max = size || 1;
    bar.value = 0;
    const state = document.createElement('span');
    state.className = 'up-state';
    state.textContent = 'waiting';
    li.append(name, bar, state);
    list.append(li);
    panel.hidden = false;
    return {
      progress(done, bytesPerSecond) {
        bar.value = done;
        state.textContent = `${sizeText(done)} of ${sizeText(size)}${bytesPerSecond ? `, ${sizeText(bytesPerSecond)}/s` : ''}`;
      },
      say(text, kind) {
        state.textContent = text;
        if (kind) li.className = kind;
      },
      done(href) {
        bar.value = bar.max;
        li.className = 'done';
        state.textContent = 'done';
        if (href) {
          const link = document.createElement('a');
          link.href = href;
          link.textContent = name.textContent;
          name.replaceChildren(link);
        }
      },
    };
  };

  const keyOf = (item) => `aqua-upload:${folderUrl}:${item.path}:${item.file.size}:${item.file.lastModified}`;

  /** Where an upload stands on the server: its offset, or null when it must be created again. */
  const offsetOf = async (url) => {
    const res = await request('HEAD', url, TUS);
    return res.status === 200 ? Number(res.getResponseHeader('Upload-Offset')) : null;
  };

  const create = async (item) => {
    const meta = [`filename ${b64(item.file.name)}`];
    if (item.path !== item.file.name) meta.push(`relativePath ${b64(item.path)}`);
    const headers = { ...TUS, 'Upload-Length': String(item.file.size), 'Upload-Metadata': meta.join(',') };
    const res = await request('POST', folderUrl, headers);
    if (res.status !== 201) throw new Error(`refused (${res.status})`);
    return new URL(res.getResponseHeader('Location'), location.href).href;
  };

  /** Send what is left from `offset`; resolves with the response of the PATCH. */
  const send = (item, url, offset, view) => {
    const started = performance.now();
    const headers = { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) };
    return request('PATCH', url, headers, item.file.slice(offset), (sent) => {
      const seconds = (performance.now() - started) / 1000;
      view.progress(offset + sent, seconds > 0.5 ? sent / seconds : 0);
    });
  };

  /** Upload one file to the end, retrying and resuming after network failures. */
  const upload = async (item) => {
    const key = keyOf(item);
    for (let attempt = 0; ; attempt++) {
      try {
        let url = localStorage.getItem(key);
        let offset = url ? await offsetOf(url) : null;
        if (offset === null) {
          url = await create(item);
          localStorage.setItem(key, url);
          offset = 0;
        }
        item.view.progress(offset, 0);
        const res = offset < item.file.size ? await send(item, url, offset, item.view) : null;
        if (res && res.status === 409 && attempt < RETRY_MS.length) continue; // the server is ahead: ask again
        if (res && res.status !== 204) throw Object.assign(new Error(`refused (${res.status})`), { final: true });
        const where = (res ?? (await request('HEAD', url, TUS))).getResponseHeader('Aqua-Location');
        localStorage.removeItem(key);
        item.view.done(where);
        return true;
      } catch (err) {
        if (err.final || err.message.startsWith('refused') || attempt >= RETRY_MS.length) {
          item.view.say(err.message === 'network' ? 'failed: no connection' : `failed: ${err.message}`, 'failed');
          return false;
        }
        item.view.say('connection lost: retrying…');
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS[attempt]);
          window.addEventListener('online', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  };

  const run = async () => {
    if (running) return;
    running = true;
    let any = false;
    while (queue.length > 0) any = (await upload(queue.shift())) || any;
    running = false;
    if (any) reload.hidden = false;
  };

  const add = (file, path) => {
    queue.push({ file, path, view: row(path, file.size) });
    void run();
  };

  /** Every file below a dropped folder entry, with its path relative to the drop. */
  const walk = async (entry) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      add(file, entry.fullPath.replace(/^\/+/, ''));
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) return;
      for (const child of batch) await walk(child);
    }
  };

  pick.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    for (const file of picker.files) add(file, file.name);
    picker.value = '';
  });
  reload.addEventListener('click', () => location.reload());
  document.addEventListener('dragover', (event) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', (event) => {
    if (event.relatedTarget === null) document.body.classList.remove('dropping');
  });
  document.addEventListener('drop', (event) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    document.body.classList.remove('dropping');
    const entries = Array.from(event.dataTransfer.items, (item) => item.webkitGetAsEntry?.()).filter(Boolean);
    if (entries.length === 0) for (const file of event.dataTransfer.files) add(file, file.name);
    for (const entry of entries) void walk(entry);
  });
})();
