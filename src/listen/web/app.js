// Ferry listening test page: MUSHRA (ITU-R BS.1534), A/B preference, MOS (ITU-T P.800 ACR).
// Stimuli are addressed only by opaque per-listener handles; nothing here knows which
// system produced which sound.
'use strict';

const $ = (sel) => document.querySelector(sel);
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MOS_LABELS = [[5, 'Excellent'], [4, 'Good'], [3, 'Fair'], [2, 'Poor'], [1, 'Bad']];
const INSTRUCTIONS = {
  mushra: 'Each screen plays a reference and several versions of the same sentence. Rate each version from 0 to 100 against the reference; one of them is the reference itself, rate it 100. Switch freely while playing; use Loop to focus on a passage.',
  ab: 'Each screen plays two versions of the same sentence. Choose the one that sounds better, or no preference.',
  mos: 'Each screen plays one sentence. Rate its overall quality from Bad (1) to Excellent (5).',
};

const app = { cfg: null, listener: null, trials: [], index: 0, player: null, scores: new Map() };

function setState(s) { document.body.dataset.state = s; }
function status(msg) { $('#status').textContent = msg || ''; }

async function api(path, body) {
  let lastError;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const res = await fetch(path, body === undefined ? {} : {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      const json = await res.json().catch(() => ({}));
      return { status: res.status, json };
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
    }
  }
  throw lastError;
}

function listenerId(study) {
  const key = 'ferry-listener:' + study;
  let id = localStorage.getItem(key);
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(key, id);
  }
  return id;
}

// Plays several equally long buffers in lockstep; exactly one is audible. Switching ramps
// the gains over a few milliseconds, so the change is seamless and click-free.
class Player {
  constructor() {
    this.ctx = new (window.AudioContext || window.webkitAudioContext)();
    this.buffers = [];
    this.sources = [];
    this.gains = [];
    this.current = -1;
    this.startedAt = 0;
    this.offset = 0;
    this.loop = true;
    this.loopStart = 0;
    this.loopEnd = 0;
    this.onchange = () => {};
  }
  async load(urls) {
    this.stop();
    this.buffers = await Promise.all(urls.map(async (u) => {
      const res = await fetch(u);
      if (!res.ok) throw new Error('could not load a sound (' + res.status + ')');
      return this.ctx.decodeAudioData(await res.arrayBuffer());
    }));
    this.duration = Math.min(...this.buffers.map((b) => b.duration));
    this.loopStart = 0;
    this.loopEnd = this.duration;
  }
  get playing() { return this.sources.length > 0; }
  position() {
    if (!this.playing) return this.offset;
    let t = this.ctx.currentTime - this.startedAt + this.offset;
    if (this.loop && t >= this.loopEnd) {
      const len = Math.max(this.loopEnd - this.loopStart, 1e-3);
      t = this.loopStart + ((t - this.loopEnd) % len);
    }
    return Math.min(t, this.duration);
  }
  play(which) {
    if (this.ctx.state === 'suspended') this.ctx.resume();
    if (!this.playing) {
      const now = this.ctx.currentTime + 0.03;
      this.offset = (this.offset >= this.loopEnd - 0.01 || this.offset < this.loopStart) ? this.loopStart : this.offset;
      this.sources = this.buffers.map((buf, i) => {
        const src = this.ctx.createBufferSource();
        src.buffer = buf;
        src.loop = this.loop;
        src.loopStart = this.loopStart;
        src.loopEnd = this.loopEnd;
        const g = this.ctx.createGain();
        g.gain.value = i === which ? 1 : 0;
        src.connect(g).connect(this.ctx.destination);
        this.gains[i] = g;
        return src;
      });
      this.sources[0].onended = () => { if (this.sources.length && !this.loop) { this.offset = 0; this.halt(); } };
      this.sources.forEach((s) => s.start(now, this.offset));
      this.startedAt = now;
    } else {
      const t = this.ctx.currentTime;
      this.gains.forEach((g, i) => {
        g.gain.cancelScheduledValues(t);
        g.gain.setValueAtTime(g.gain.value, t);
        g.gain.linearRampToValueAtTime(i === which ? 1 : 0, t + 0.008);
      });
    }
    this.current = which;
    this.onchange();
  }
  halt() {
    this.sources.forEach((s) => { s.onended = null; try { s.stop(); } catch (e) { /* already stopped */ } });
    this.sources = [];
    this.current = -1;
    this.onchange();
  }
  stop() { this.offset = this.playing ? this.loopStart : 0; this.halt(); this.offset = this.loopStart; }
  setLoop(on, start, end) {
    this.loop = on;
    this.loopStart = Math.min(start, end - 0.05);
    this.loopEnd = Math.max(end, this.loopStart + 0.05);
    this.sources.forEach((s) => { s.loop = on; s.loopStart = this.loopStart; s.loopEnd = this.loopEnd; });
  }
}

function audioUrl(handle) { return '/audio/' + app.listener + '/' + handle + '.wav'; }

function playButtons() { return Array.from(document.querySelectorAll('button.play')); }

function highlight() {
  playButtons().forEach((b) => b.classList.toggle('playing', Number(b.dataset.slot) === app.player.current));
}

function button(text, slot, testid) {
  const b = document.createElement('button');
  b.className = 'play';
  b.textContent = text;
  b.dataset.slot = slot;
  b.dataset.testid = testid;
  b.setAttribute('data-testid', testid);
  b.addEventListener('click', () => app.player.play(slot));
  return b;
}

function updateNext() {
  const t = app.trials[app.index];
  $('#next').disabled = !t.stimuli.every((h) => app.scores.has(h));
}

async function showTrial() {
  const remaining = app.trials.filter((t) => !t.done).length;
  if (app.index >= app.trials.length || remaining === 0) return finish();
  const t = app.trials[app.index];
  const doneCount = app.trials.filter((x) => x.done).length;
  $('#progress').textContent = 'Trial ' + (doneCount + 1) + ' of ' + app.trials.length;
  setState('loading');
  status('Loading sounds…');
  app.scores = new Map();
  const rows = $('#rows');
  const choices = $('#choices');
  rows.replaceChildren();
  choices.replaceChildren();
  $('#next').disabled = true;
  $('#next').hidden = app.cfg.mode === 'ab';
  $('#reference-row').hidden = app.cfg.mode !== 'mushra';
  $('#scale').hidden = app.cfg.mode !== 'mushra';
  $('#trial').hidden = false;
  // Slot 0 .. n-1: stimuli; slot n: the labelled reference (MUSHRA).
  const urls = t.stimuli.map(audioUrl);
  if (app.cfg.mode === 'mushra') {
    urls.push(audioUrl(t.reference));
    const ref = $('#play-reference');
    ref.dataset.slot = t.stimuli.length;
    ref.onclick = () => app.player.play(t.stimuli.length);
  }
  if (app.cfg.mode === 'mushra') {
    t.stimuli.forEach((h, i) => {
      const row = document.createElement('div');
      row.className = 'row untouched';
      const slider = document.createElement('input');
      Object.assign(slider, { type: 'range', min: 0, max: 100, step: 1, value: 0 });
      slider.setAttribute('data-testid', 'slider-' + i);
      slider.setAttribute('aria-label', 'Rating of ' + LETTERS[i]);
      const out = document.createElement('output');
      out.textContent = '–';
      const touch = () => {
        row.classList.remove('untouched');
        app.scores.set(h, Number(slider.value));
        out.textContent = slider.value;
        updateNext();
      };
      ['input', 'change'].forEach((ev) => slider.addEventListener(ev, touch));
      slider.addEventListener('pointerdown', () => { app.player.play(i); });
      slider.addEventListener('pointerup', touch);
      row.append(button(LETTERS[i], i, 'play-' + i), slider, out);
      rows.append(row);
    });
  } else if (app.cfg.mode === 'ab') {
    const row = document.createElement('div');
    row.className = 'ab';
    row.append(button('Play A', 0, 'play-0'), ' ', button('Play B', 1, 'play-1'));
    rows.append(row);
    [['A is better', [1, 0], 'choose-a'], ['No preference', [0.5, 0.5], 'choose-none'], ['B is better', [0, 1], 'choose-b']].forEach(([text, s, id]) => {
      const b = document.createElement('button');
      b.textContent = text;
      b.setAttribute('data-testid', id);
      b.addEventListener('click', () => {
        app.scores = new Map([[t.stimuli[0], s[0]], [t.stimuli[1], s[1]]]);
        submit();
      });
      choices.append(b);
    });
  } else {
    rows.append(button('Play', 0, 'play-0'));
    MOS_LABELS.forEach(([v, text]) => {
      const l = document.createElement('label');
      const r = document.createElement('input');
      Object.assign(r, { type: 'radio', name: 'mos', value: v });
      r.setAttribute('data-testid', 'mos-' + v);
      r.addEventListener('change', () => { app.scores = new Map([[t.stimuli[0], v]]); updateNext(); });
      l.append(r, ' ' + v + ' – ' + text);
      choices.append(l);
    });
  }
  try {
    await app.player.load(urls);
  } catch (e) {
    setState('error');
    status('Could not load the sounds of this trial: ' + e.message + '. Reload the page to try again.');
    return;
  }
  applyLoop();
  status('');
  setState('ready');
}

function applyLoop() {
  const d = app.player.duration || 0;
  const a = Number($('#loop-start').value) / 1000 * d;
  const b = Number($('#loop-end').value) / 1000 * d;
  app.player.setLoop($('#loop').checked, Math.min(a, b), Math.max(a, b));
}

async function submit() {
  const t = app.trials[app.index];
  const scores = t.stimuli.map((h) => ({ handle: h, score: app.scores.get(h) }));
  $('#next').disabled = true;
  setState('saving');
  status('Saving…');
  let res;
  try {
    res = await api('/api/rate', { listener: app.listener, trial: t.token, scores });
  } catch (e) {
    setState('ready');
    status('Could not reach the server; your rating is not saved yet. Press Next again.');
    $('#next').disabled = false;
    return;
  }
  if (res.status === 200 || res.status === 409) {
    app.player.stop();
    t.done = true;
    app.index = app.trials.findIndex((x) => !x.done);
    if (app.index < 0) app.index = app.trials.length;
    status('');
    return showTrial();
  }
  setState('ready');
  status('The server did not accept this rating: ' + (res.json.error || res.status));
  updateNext();
}

function finish() {
  app.player && app.player.stop();
  $('#trial').hidden = true;
  $('#finished').hidden = false;
  $('#progress').textContent = app.trials.length + ' of ' + app.trials.length + ' done';
  status('');
  setState('done');
}

function tick() {
  if (app.player && app.player.duration) $('#time').textContent = app.player.position().toFixed(2) + ' / ' + app.player.duration.toFixed(2) + ' s';
  requestAnimationFrame(tick);
}

document.addEventListener('keydown', (e) => {
  if (!app.player || document.body.dataset.state !== 'ready' || e.target.type === 'radio') return;
  const t = app.trials[app.index];
  if (e.key === ' ') { e.preventDefault(); if (app.player.playing) app.player.stop(); else app.player.play(Math.max(app.player.current, 0)); }
  else if ((e.key === 'r' || e.key === 'R') && app.cfg.mode === 'mushra') app.player.play(t.stimuli.length);
  else if (/^[1-9]$/.test(e.key) && Number(e.key) <= t.stimuli.length) app.player.play(Number(e.key) - 1);
});

async function main() {
  try {
    const cfg = await api('/api/config');
    app.cfg = cfg.json;
    document.title = app.cfg.title;
    $('#title').textContent = app.cfg.title;
    $('#instructions').textContent = INSTRUCTIONS[app.cfg.mode];
    app.listener = listenerId(app.cfg.study);
    const s = await api('/api/session', { listener: app.listener });
    if (s.status !== 200) throw new Error(s.json.error || ('status ' + s.status));
    app.trials = s.json.trials;
    app.index = app.trials.findIndex((t) => !t.done);
    if (app.index < 0) return finish();
  } catch (e) {
    setState('error');
    status('Could not start the test: ' + e.message);
    return;
  }
  app.player = new Player();
  app.player.onchange = highlight;
  $('#stop').addEventListener('click', () => app.player.stop());
  ['#loop', '#loop-start', '#loop-end'].forEach((id) => $(id).addEventListener('input', applyLoop));
  $('#next').addEventListener('click', submit);
  requestAnimationFrame(tick);
  const started = app.trials.some((t) => t.done);
  if (started) {
    showTrial();
  } else {
    $('#intro').hidden = false;
    setState('intro');
    $('#start').addEventListener('click', () => { $('#intro').hidden = true; app.player.ctx.resume(); showTrial(); }, { once: true });
  }
}

main();
