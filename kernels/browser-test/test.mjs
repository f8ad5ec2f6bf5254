// kernels/browser-test/test.mjs — driven by ./run: checks the notebooks' interactive figures in Chromium.
//
// node test.mjs --cdp URL --url JUPYTER_URL --token T --out DIR [--timeout S] NOTEBOOK-NAME...
//
// For each notebook: open it in Jupyter Notebook 6, turn autosave off (the repository's file must not
// change), run all cells and wait for them, fail on any cell that shows an error (a Jupyter error output,
// GoNB's "exit status N", or nb.Fail's "error: ..."), then take the first interactive figure
// (div.tokenscale-explore), check its script ran, move its first control one step with the keyboard or
// the drop-down, and check that the figure's image changed (its data and the pixels on screen).
// Screenshots: DIR/<name>-before.png and DIR/<name>-after.png (the panel), DIR/<name>-page.png (the page).
import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function parseArgs(argv) {
  const a = { timeout: 1200, notebooks: [] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k.startsWith('--')) {
      a[k.slice(2)] = argv[++i];
    } else {
      a.notebooks.push(k);
    }
  }
  for (const k of ['cdp', 'url', 'token', 'out']) {
    if (!a[k]) throw new Error(`test.mjs: --${k} is required`);
  }
  a.timeout = Number(a.timeout);
  return a;
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const log = (...m) => console.log(`browser-test: ${new Date().toISOString().slice(11, 19)}`, ...m);

async function checkNotebook(context, args, name) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 1400 });
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  try {
    await page.goto(`${args.url}/notebooks/${name}.ipynb?token=${args.token}`, { timeout: 180_000 });
    await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded,
      null, { timeout: 180_000 });
    await page.evaluate(() => Jupyter.notebook.set_autosave_interval(0));
    await page.waitForFunction(() => Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected(),
      null, { timeout: 180_000, polling: 500 });
    log(`${name}: kernel up, running all cells`);
    await page.evaluate(() => Jupyter.notebook.execute_all_cells());
    // Done when no code cell is queued or running and every one has an execution count.
    await page.waitForFunction(() => Jupyter.notebook.get_cells()
      .filter((c) => c.cell_type === 'code')
      .every((c) => typeof c.input_prompt_number === 'number'),
    null, { timeout: args.timeout * 1000, polling: 1000 });
    log(`${name}: all cells ran`);

    const errors = await page.evaluate(() => {
      const bad = [];
      Jupyter.notebook.get_cells().forEach((c, i) => {
        if (c.cell_type !== 'code') return;
        const el = c.element[0];
        const text = el.querySelector('.output') ? el.querySelector('.output').innerText : '';
        if (el.querySelector('.output_error') || /exit status \d+|^error:/m.test(text)) {
          bad.push(`cell ${i + 1}: ${text.slice(0, 400)}`);
        }
      });
      return bad;
    });
    if (errors.length) throw new Error(`${name}: cells show errors:\n${errors.join('\n')}`);

    // Jupyter's fixed header would cover the top of tall panels in the screenshots.
    await page.addStyleTag({ content: '#header { display: none !important; }' });
    const panels = page.locator('div.tokenscale-explore');
    const count = await panels.count();
    if (count === 0) throw new Error(`${name}: no interactive figure (div.tokenscale-explore) in the outputs`);
    const panel = panels.first();
    await panel.scrollIntoViewIfNeeded();
    if (await panel.getAttribute('data-ts-ready') !== '1') {
      throw new Error(`${name}: the interactive figure's script did not run (Jupyter stripped or blocked it)`);
    }
    const img = panel.locator('img.ts-figure');
    const before = { setting: await panel.getAttribute('data-ts-setting'), src: sha(await img.getAttribute('src')) };
    const shotBefore = await img.screenshot();
    await panel.screenshot({ path: join(args.out, `${name}-before.png`) });

    const control = panel.locator('[data-ts-ctl]').first();
    const tag = await control.evaluate((e) => e.tagName.toLowerCase());
    let moved;
    if (tag === 'select') {
      const value = await control.inputValue();
      const n = await control.locator('option').count();
      const next = String((Number(value) + 1) % n);
      await control.selectOption(next);
      moved = `select ${await control.getAttribute('data-ts-ctl')} → option ${next}`;
    } else {
      await control.focus();
      const max = await control.getAttribute('max');
      const key = (await control.inputValue()) === max ? 'ArrowLeft' : 'ArrowRight';
      await page.keyboard.press(key);
      moved = `slider ${key} → position ${await control.inputValue()}`;
    }
    await page.waitForFunction(([el, s]) => el.getAttribute('data-ts-setting') !== s,
      [await panel.elementHandle(), before.setting], { timeout: 10_000 });
    await page.waitForFunction((el) => el.complete, await img.elementHandle(), { timeout: 10_000 });
    const after = { setting: await panel.getAttribute('data-ts-setting'), src: sha(await img.getAttribute('src')) };
    const shotAfter = await img.screenshot();
    await panel.screenshot({ path: join(args.out, `${name}-after.png`) });
    await page.screenshot({ path: join(args.out, `${name}-page.png`) });
    if (before.src === after.src) throw new Error(`${name}: ${moved}: the figure's image did not change`);
    if (sha(shotBefore) === sha(shotAfter)) throw new Error(`${name}: ${moved}: the figure looks the same on screen`);
    if (consoleErrors.length) throw new Error(`${name}: JavaScript errors in the page:\n${consoleErrors.join('\n')}`);
    log(`${name}: ${count} interactive figure(s); ${moved}: setting ${before.setting} → ${after.setting}, figure redrawn`);
    return { name, panels: count, moved, before: before.setting, after: after.setting };
  } catch (e) {
    await page.screenshot({ path: join(args.out, `${name}-failure.png`), fullPage: false }).catch(() => {});
    throw e;
  } finally {
    // Stop the notebook's kernel; the page is closed without saving.
    await page.evaluate(() => Jupyter.notebook.session && new Promise((ok) => {
      Jupyter.notebook.session.delete(ok, ok);
      setTimeout(ok, 10_000);
    })).catch(() => {});
    await page.close().catch(() => {});
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const browser = await chromium.connectOverCDP(args.cdp, { timeout: 60_000 });
  const results = [];
  try {
    const context = browser.contexts()[0] || await browser.newContext();
    for (const name of args.notebooks) {
      results.push(await checkNotebook(context, args, name));
    }
  } finally {
    writeFileSync(join(args.out, 'results.json'), JSON.stringify(results, null, 1) + '\n');
    await browser.close().catch(() => {});
  }
}

main().catch((e) => {
  console.error(`browser-test: ${e.message || e}`);
  process.exit(1);
});
