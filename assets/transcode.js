// aqua-serve player, issue 15: a film the browser may not play as it is. The server described it (?media);
// the browser's own answers choose: the file itself (canPlayType), a remux (the video copied, the audio made
// AAC: MediaSource.isTypeSupported of its codecs) or a transcode (H.264 + AAC), both as HLS made on demand.
// Where the browser has no HLS of its own (Chromium, Firefox), hls.js plays it; it is loaded only then.
'use strict';

(() => {
  const video = document.getElementById('media');
  if (!(video instanceof HTMLVideoElement) || !video.dataset.transcode) return;
  const status = document.querySelector('.transcode-status');
  const note = document.querySelector('[data-media-error]');
  let base = '';

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = text === '';
  }

  function cannotPlay() {
    video.pause();
    video.hidden = true;
    if (note) note.hidden = false;
    say('');
  }

  const mse = () => window.ManagedMediaSource ?? window.MediaSource;
  const supports = (type) => Boolean(mse()?.isTypeSupported?.(type));
  const nativeHls = () => video.canPlayType('application/vnd.apple.mpegurl') !== '';

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }

  async function describe() {
    const response = await fetch(video.dataset.transcode, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`?media answered ${response.status}`);
    return response.json();
  }

  /** The server is busy (503: its conversion queue is full): say so; hls.js retries on its own. */
  function onHlsError(hls, data) {
    const code = data.response?.code ?? data.networkDetails?.status;
    if (code === 503) say('The server is busy converting other films: waiting for a free slot…');
    if (code === 404) return cannotPlay(); // the server cannot convert this part: no use asking again
    if (!data.fatal) return;
    if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
      say('The server is busy converting other films: trying again…');
      setTimeout(() => hls.startLoad(), 3000);
    } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
    } else {
      cannotPlay();
    }
  }

  // hls.js wherever Media Source Extensions are there (it copes with segments made one by one, which
  // Chromium's own young HLS player does not: "buffers not in DTS sequence"); the browser's HLS elsewhere (iOS).
  async function playHls(playlist) {
    if (!mse()) {
      if (!nativeHls()) return cannotPlay();
      video.src = playlist;
      return;
    }
    if (!window.Hls && video.dataset.hls) await loadScript(video.dataset.hls);
    if (!window.Hls?.isSupported()) return cannotPlay();
    // No worker: the pages' CSP allows no blob: scripts. Segments are made on demand, so wait for them.
    const hls = new window.Hls({
      enableWorker: false,
      maxBufferLength: 30,
      backBufferLength: 60,
      fragLoadPolicy: {
        default: {
          maxTimeToFirstByteMs: 60_000,
          maxLoadTimeMs: 120_000,
          timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
          errorRetry: { maxNumRetry: 8, retryDelayMs: 1000, maxRetryDelayMs: 8000 },
        },
      },
    });
    hls.on(window.Hls.Events.ERROR, (_event, data) => onHlsError(hls, data));
    hls.on(window.Hls.Events.FRAG_LOADED, () => say(base));
    hls.loadSource(playlist);
    hls.attachMedia(video);
    window.aquaHls = hls; // for the tests and the console
  }

  // A wait of more than a second and a half for the next part says why the picture stopped.
  let waitTimer = 0;
  video.addEventListener('waiting', () => {
    clearTimeout(waitTimer);
    waitTimer = setTimeout(() => say('Converting the next part on the server…'), 1500);
  });
  video.addEventListener('playing', () => {
    clearTimeout(waitTimer);
    say(base);
  });

  async function choose() {
    let info;
    try {
      info = await describe();
    } catch {
      video.src = video.dataset.src; // no description: try the file itself, as without ffmpeg
      return;
    }
    if (info.direct && video.canPlayType(info.direct) === 'probably') {
      video.src = video.dataset.src;
      video.dataset.playing = 'direct';
      return;
    }
    const remux = info.remux && supports(info.remux.type);
    const plan = remux ? info.remux : info.transcode;
    if (!plan || (!nativeHls() && !supports(plan.type))) return cannotPlay();
    video.dataset.playing = remux ? 'remux' : 'transcode';
    base = remux ? 'Repackaged by the server as it plays.' : 'Converted by the server as it plays.';
    say(base);
    await playHls(plan.playlist);
  }

  choose().catch(cannotPlay);
})();
