// Drives the real `ferry listen` page in headless Chromium as a scripted MUSHRA listener.
// Called by tests/listen_browser.rs with one argument: a JSON file
//   { url, study, listener, scores: {handle: score}, forbidden: [strings], userDataDir, chromium,
//     screenshot (optional PNG path of the first trial) }
// Prints one JSON line with what happened; exits non-zero on any failure.
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const watchdog = setTimeout(() => { console.error('browser test: timed out after 50 s'); process.exit(3); }, 50_000);

const context = await chromium.launchPersistentContext(cfg.userDataDir, {
  executablePath: cfg.chromium, headless: true, args: FLAGS, timeout: 30_000,
});
const problems = [];
const served = [];
let audioRequests = 0;
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.on('response', async (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/audio/')) { audioRequests++; return; }
    try { served.push(url.pathname + ' ' + await r.text()); } catch { /* body gone after navigation */ }
  });
  // The listener id lives in localStorage; preset it so the test knows the blinded plan.
  await page.addInitScript(({ key, id }) => { if (!localStorage.getItem(key)) localStorage.setItem(key, id); },
    { key: 'ferry-listener:' + cfg.study, id: cfg.listener });
  await page.goto(cfg.url);
  await page.waitForSelector('body[data-state="intro"]');
  await page.getByTestId('start').click();

  const progress = [];
  let trials = 0;
  let reloaded = false;
  let draftChecked = null;
  for (;;) {
    await page.waitForFunction(() => ['ready', 'done', 'error'].includes(document.body.dataset.state));
    const state = await page.evaluate(() => document.body.dataset.state);
    if (state === 'error') throw new Error('page error state: ' + await page.textContent('#status'));
    if (state === 'done') break;
    progress.push(await page.textContent('#progress'));
    if (cfg.screenshot && trials === 0) await page.screenshot({ path: cfg.screenshot, fullPage: true });
    // Listen: the reference, then every stimulus (switching while playing).
    await page.getByTestId('play-reference').click();
    const sliders = await page.locator('input[type=range][data-handle]').all();
    for (let i = 0; i < sliders.length; i++) {
      await page.getByTestId('play-' + i).click();
      const playing = await page.getAttribute('button.play.playing', 'data-testid');
      if (playing !== 'play-' + i) throw new Error('switching to stimulus ' + i + ' left ' + playing + ' playing');
    }
    if (!(await page.getByTestId('next').isDisabled())) throw new Error('Next enabled before every slider was rated');
    let rows = sliders;
    if (trials === 1 && !draftChecked) {
      // Reload in the middle of a screen: the slider already moved keeps its position.
      const first = sliders[0];
      const h = await first.getAttribute('data-handle');
      await first.evaluate((el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }, cfg.scores[h]);
      await page.reload();
      await page.waitForSelector('body[data-state="ready"]');
      const again = page.locator(`input[data-handle="${h}"]`);
      draftChecked = { restored: Number(await again.inputValue()), expected: cfg.scores[h] };
      rows = await page.locator('input[type=range][data-handle]').all();
    }
    for (const s of rows) {
      const handle = await s.getAttribute('data-handle');
      const score = cfg.scores[handle];
      if (score === undefined) throw new Error('slider with an unknown handle ' + handle);
      await s.focus();
      await s.evaluate((el, v) => {
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }, score);
    }
    await page.getByTestId('next').click();
    trials++;
    if (!reloaded) {
      // Resume: a reload comes back at the next trial, not the first.
      await page.waitForFunction(() => document.body.dataset.state !== 'saving');
      await page.reload();
      reloaded = true;
    }
  }
  const html = await page.content();
  for (const f of cfg.forbidden) {
    const hay = served.join('\n') + html;
    if (hay.toLowerCase().includes(f.toLowerCase())) problems.push('the page reveals "' + f + '"');
  }
  console.log(JSON.stringify({ trials, draft: draftChecked, progress, audioRequests, problems, finished: await page.textContent('#finished h2') }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.stack || e), problems }));
  process.exitCode = 1;
} finally {
  await context.close();
  clearTimeout(watchdog);
}
if (problems.length) process.exitCode = 1;
