// The desk's page: shows the hello, sends what the webcam, the scanner or a file reads to the
// local program (which decodes, opens and checks everything), and shows the summary it
// renders. No library, no request anywhere but the program that served it.
'use strict';
(() => {
  const base = location.pathname.replace(/[^/]*$/, '');
  const $ = (id) => document.getElementById(id);
  let lang = 'fr';
  let done = false;
  let scanning = false;
  let hello = null;
  // For the tests and for the doctor's curiosity: when the first camera frame was shown,
  // when the summary appeared (performance.now() milliseconds).
  window.deskTimings = { firstFrame: null, summaryShown: null };

  const TEXT = {
    fr: {
      expires: 'Valable jusqu’à',
      unverified_desk: 'Poste sans certificat de praticien : le patient verra un code non vérifié.',
      verified: (who, anchor) => `${who}, vérifié par ${anchor}`,
      unverified_key: (why) => `Certificat de ce poste NON vérifié (${why}) : le patient verra un code non vérifié.`,
      looking: 'Aucun code lisible : tenez le téléphone immobile, face à la caméra.',
      frames: (k) => `Lecture : ${k} % des images reçues, continuez à montrer le code.`,
      complete: 'Partage lu et vérifié.',
      expired: 'Ce partage a expiré : demandez au patient d’en montrer un nouveau.',
      other_device: 'Ce partage a été chiffré pour le code d’un autre poste : le patient doit scanner le code affiché ici.',
      other_share: 'Image d’un autre partage : montrez un seul partage à la fois.',
      hello_expired: 'Le code de ce poste a expiré : cliquez sur « Patient suivant ».',
      not_a_share: 'Ce code n’est pas un partage Carnet de patient.',
      newer: 'Ce partage vient d’une version plus récente de Carnet : mettez à jour Carnet sur ce poste.',
      damaged: 'Code abîmé ou modifié : il a été refusé.',
      bad_image: 'Image illisible.',
      camera_denied: 'La webcam n’est pas disponible.',
      read_items: 'Lu : ',
      // [one, several]
      sections: {
        allergies: ['allergie', 'allergies'], conditions: ['pathologie', 'pathologies'],
        medications: ['médicament', 'médicaments'], stopped: ['arrêt', 'arrêts'],
        labs: ['résultat', 'résultats'], immunisations: ['vaccin', 'vaccins'],
        letters: ['courrier', 'courriers'],
      },
    },
    en: {
      expires: 'Valid until',
      unverified_desk: 'Desk without a practitioner certificate: the patient will see an unverified code.',
      verified: (who, anchor) => `${who}, verified by ${anchor}`,
      unverified_key: (why) => `This desk’s certificate is NOT verified (${why}): the patient will see an unverified code.`,
      looking: 'No readable code: hold the phone steadier, facing the camera.',
      frames: (k) => `Reading: ${k} % of the frames received, keep showing the code.`,
      complete: 'Share read and checked.',
      expired: 'This share expired: ask the patient to show a new one.',
      other_device: 'This share was sealed for another desk’s code: the patient must scan the code shown here.',
      other_share: 'A frame of another share: show one share at a time.',
      hello_expired: 'This desk’s code expired: click “Next patient”.',
      not_a_share: 'This code is not a patient’s Carnet share.',
      newer: 'This share comes from a newer version of Carnet: update Carnet on this computer.',
      damaged: 'Damaged or altered code: refused.',
      bad_image: 'The image could not be read.',
      camera_denied: 'The webcam is not available.',
      read_items: 'Read: ',
      sections: {
        allergies: ['allergy', 'allergies'], conditions: ['condition', 'conditions'],
        medications: ['medication', 'medications'], stopped: ['stop', 'stops'],
        labs: ['result', 'results'], immunisations: ['vaccine', 'vaccines'],
        letters: ['letter', 'letters'],
      },
    },
  };

  function status(key, arg, kind) {
    const t = TEXT[lang][key];
    const el = $('status');
    el.textContent = typeof t === 'function' ? t(arg) : (t || key);
    el.dataset.reason = key;
    el.className = kind || '';
  }

  function translate() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-fr]')) {
      el.textContent = el.dataset[lang];
    }
    showHello();
    showRead();
    if (done) showSummary();
  }

  async function call(method, path, body, type) {
    const init = { method, cache: 'no-store' };
    if (body !== undefined) {
      init.body = body;
      init.headers = { 'Content-Type': type };
    }
    const reply = await fetch(base + path, init);
    return reply.json();
  }

  function showHello() {
    if (!hello) return;
    const p = hello.practitioner;
    $('hello-who').textContent = !p ? TEXT[lang].unverified_desk
      : p.verified ? TEXT[lang].verified(p.who, p.anchor) : TEXT[lang].unverified_key(p.reason);
    const at = new Date(hello.expires_at);
    $('hello-expiry').textContent = `${TEXT[lang].expires} ${at.toLocaleTimeString(lang)}`;
  }

  async function loadHello() {
    hello = await call('GET', 'hello.json');
    $('hello-qr').src = `${base}hello.svg?key=${encodeURIComponent(hello.fingerprint)}`;
    showHello();
  }

  let read = null;
  function showRead() {
    if (!read) return;
    const t = TEXT[lang];
    const parts = Object.entries(read).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${t.sections[k][n === 1 ? 0 : 1]}`);
    $('read-items').textContent = t.read_items + parts.join(', ');
  }

  function showSummary() {
    $('summary').src = `${base}summary?lang=${lang}`;
    $('save-html').href = `${base}summary.html?lang=${lang}`;
    $('save-ips').href = `${base}summary.ips.json`;
  }

  async function answer(reply) {
    if (done) return;
    $('progress').value = reply.fraction || 0;
    if (reply.state === 'complete') {
      done = true;
      status('complete', null, 'ok');
      const visit = await call('GET', 'visit.json');
      read = visit.read;
      showRead();
      if (visit.receipt) {
        $('receipt-qr').src = `${base}receipt.svg`;
        $('receipt').hidden = false;
      }
      $('result').hidden = false;
      $('reading').hidden = true;
      scanning = false;
      showSummary();
    } else if (reply.state === 'reading') {
      status('frames', Math.round(100 * reply.fraction));
    } else {
      status(reply.reason, null, 'refused');
    }
  }

  $('summary').addEventListener('load', () => {
    if (done && window.deskTimings.summaryShown === null) {
      window.deskTimings.summaryShown = performance.now();
    }
  });

  // 1. The webcam: grey frames to the program, one at a time.
  const video = $('camera');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function scanLoop() {
    while (scanning && !done) {
      if (video.readyState < 2 || !video.videoWidth) {
        await sleep(50);
        continue;
      }
      if (window.deskTimings.firstFrame === null) {
        window.deskTimings.firstFrame = performance.now();
      }
      const scale = Math.min(1, 960 / Math.max(video.videoWidth, video.videoHeight));
      const w = Math.round(video.videoWidth * scale);
      const h = Math.round(video.videoHeight * scale);
      canvas.width = w;
      canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      const rgba = context.getImageData(0, 0, w, h).data;
      const luma = new Uint8Array(w * h);
      for (let i = 0, j = 0; i < luma.length; i += 1, j += 4) {
        luma[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
      }
      try {
        await answer(await call('POST', `frame?w=${w}&h=${h}`, luma, 'application/octet-stream'));
      } catch (e) {
        status('bad_image', null, 'refused');
        await sleep(200);
      }
    }
  }

  $('camera-start').addEventListener('click', async () => {
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
      await video.play();
      scanning = true;
      scanLoop();
    } catch (e) {
      status('camera_denied', null, 'refused');
    }
  });

  // 2. The keyboard-wedge scanner: it types the code and presses Enter.
  $('typed').addEventListener('keydown', async (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const text = event.target.value;
    event.target.value = '';
    if (text.trim()) {
      await answer(await call('POST', 'typed', text, 'text/plain;charset=utf-8'));
    }
  });

  // 3. Image files, chosen or dropped: a photo of the code, or the frames of a large share.
  async function sendFiles(files) {
    for (const file of files) {
      if (done) break;
      await answer(await call('POST', 'image', file, 'application/octet-stream'));
    }
  }
  $('file').addEventListener('change', (event) => sendFiles(Array.from(event.target.files)));
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => event.preventDefault());
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    sendFiles(Array.from(event.dataTransfer.files));
  });

  $('print').addEventListener('click', () => $('summary').contentWindow.print());
  $('lang').addEventListener('click', () => {
    lang = lang === 'fr' ? 'en' : 'fr';
    translate();
  });
  $('next').addEventListener('click', async () => {
    await call('POST', 'next', '', 'text/plain');
    done = false;
    read = null;
    $('read-items').textContent = '';
    window.deskTimings = { firstFrame: null, summaryShown: null };
    $('result').hidden = true;
    $('reading').hidden = false;
    $('receipt').hidden = true;
    $('summary').removeAttribute('src');
    $('progress').value = 0;
    $('status').textContent = '';
    await loadHello();
    $('typed').focus();
  });

  loadHello();
})();
