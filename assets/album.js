// aqua-serve audio player: the folder as an album. When a track ends, the next one of the track list
// plays in this same page (no page load between tracks, so the music goes on with the screen locked and
// no autoplay rule stops it); the address, the title, the links and the facts follow the track playing.
// Kept apart from player.js, which is the same for video and audio.
(function album() {
  const media = document.getElementById('media');
  const links = Array.from(document.querySelectorAll('.album a[data-src]'));
  if (!(media instanceof HTMLAudioElement) || links.length < 2) return;
  let current = links.findIndex((a) => a.getAttribute('aria-current') === 'true');

  const nameOf = (link) => link.textContent;
  function setStep(rel, link) {
    const step = document.querySelector(`a.step[rel=${rel}]`);
    if (!step || !link) return; // viewer.js keeps the element: its href is what p and n follow
    step.href = link.getAttribute('href');
    step.title = `${rel === 'prev' ? 'Previous' : 'Next'}: ${nameOf(link)}`;
    const label = step.querySelector('.step-name');
    if (label) label.textContent = nameOf(link);
  }

  function follow(link) {
    const src = link.dataset.src;
    const name = nameOf(link);
    document.title = `${name} — aqua-serve`;
    const heading = document.querySelector('h1.title');
    if (heading) heading.textContent = name;
    const crumb = document.querySelector('.crumbs [aria-current]');
    if (crumb) crumb.textContent = name;
    const download = document.querySelector('.actions a.primary');
    if (download) {
      download.href = `${src}?download`;
      download.setAttribute('download', name);
    }
    const copy = document.querySelector('.actions [data-copy]');
    if (copy) copy.dataset.copy = src;
    const open = document.querySelector('.actions a.btn:not(.primary)');
    if (open) open.href = src;
    const facts = document.querySelectorAll('.facts > span');
    if (facts[0]) facts[0].textContent = link.dataset.size;
    const time = document.querySelector('.facts time');
    if (time) {
      time.textContent = link.dataset.time;
      time.title = link.dataset.time;
      time.dateTime = link.dataset.iso;
    }
    for (const other of links) other.removeAttribute('aria-current');
    link.setAttribute('aria-current', 'true');
    setStep('prev', links[current - 1]);
    setStep('next', links[current + 1]);
    history.replaceState(history.state, '', link.getAttribute('href'));
  }

  media.addEventListener('ended', () => {
    const next = links[current + 1];
    if (!next) return;
    current += 1;
    follow(next);
    media.src = next.dataset.src;
    media.play().catch(() => {});
  });
})();
