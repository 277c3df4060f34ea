// aqua-serve pages: the copy-link buttons (viewer pages' "Copy link", "Copy share link" behind --auth).

// Copy buttons: the absolute URL of their data-copy (a raw file, a share link). navigator.clipboard needs a secure
// context (localhost is one, a LAN address over http is not); the fallback selects a hidden textarea.
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
  const text = label.textContent;
  button.addEventListener('click', async () => {
    const url = new URL(button.dataset.copy, location.href).href;
    const ok = await copyText(url);
    label.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => {
      label.textContent = text;
    }, 1600);
  });
}
