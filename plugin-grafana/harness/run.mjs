// Real-browser test of the built panel (dist/module.js) without a Grafana server:
// headless Debian Chromium (playwright-core) opens the harness under three
// Content-Security-Policies and checks every tile's status, its colour against the
// Grafana theme and its label, then saves screenshots under browser-artifacts/.
//   grafana-default                    Grafana's default CSP template  -> tiles
//   hardened-wasm-unsafe-eval          no 'unsafe-eval', 'wasm-unsafe-eval' -> tiles
//   hardened-without-wasm-unsafe-eval  neither -> the module is refused, the panel says why
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'browser-artifacts');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const fixtures = JSON.parse(readFileSync(join(root, 'harness', 'scenarios.json'), 'utf8'));
// Generated manifests (checked in, kept in sync by `make generate` and tests/tests/in_sync.rs).
const manifestsDir = process.env.LUNEO_MANIFESTS ?? join(root, '..', 'manifests');

/** The dashboard JSON inside a generated dashboard ConfigMap (a `|-` block under data). */
function dashboardOf(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^  \S+\.json: \|-?$/.test(l));
  if (start < 0) {
    throw new Error(`${file}: no dashboard JSON under data`);
  }
  const body = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('    ') && l.trim() !== '') {
      break;
    }
    body.push(l.slice(4));
  }
  return JSON.parse(body.join('\n'));
}
const PAGE_TIMEOUT_MS = 30_000;

for (const f of [chromiumPath, join(root, 'dist', 'module.js'), join(root, 'harness', 'dist', 'harness.js')]) {
  if (!existsSync(f)) {
    console.error(`error: ${f} is missing (chromium: apt-get install chromium; module.js: npm run build; harness: npm run harness:build)`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
mkdirSync(outDir, { recursive: true });

// The health panel of each generated dashboard: it must be the first panel, at the top.
const generated = [];
const generatedChecks = [];
for (const g of fixtures.generated.dashboards) {
  const id = `generated:${g.file.split('/').slice(-3)[0].replace('observability-', '')}/${g.file.split('/').pop().replace('.yaml', '')}`;
  try {
    const dash = dashboardOf(join(manifestsDir, g.file));
    const panel = dash.panels.find((p) => p.type === 'luneo-slohealth-panel');
    const clusterVar = dash.templating.list.find((v) => v.name === 'cluster');
    generatedChecks.push([`${id}: health panel first and at the top`, panel !== undefined && dash.panels[0] === panel && panel.gridPos.y === 0, panel ? JSON.stringify(panel.gridPos) : 'no luneo-slohealth-panel: run `make generate`']);
    if (!panel) {
      continue;
    }
    const refs = new Set(panel.targets.map((t) => t.refId));
    generatedChecks.push([`${id}: one target per expected alert (queue alerts: one series per queue), through \${datasource}`, Object.keys(g.expect).every((r) => refs.has(r.split('/')[0])) && panel.targets.every((t) => t.datasource?.uid === '${datasource}' && (t.legendFormat === t.refId || t.legendFormat.startsWith(`${t.refId}/{{`))), [...refs].join(', ')]);
    // A central store (cluster label on every series): the option is the dashboard's
    // cluster variable, defaulting to the overlay's cluster. One Prometheus per cluster
    // (the Luneo definitions): no variable, the option is the overlay's cluster itself.
    generatedChecks.push([
      `${id}: cluster option is the overlay's cluster (${g.cluster}), directly or through the cluster variable`,
      clusterVar === undefined ? panel.options.cluster === g.cluster : panel.options.cluster === '$cluster' && clusterVar.current?.value === g.cluster,
      `${panel.options.cluster} / ${clusterVar?.current?.value}`,
    ]);
    generated.push({ id, cluster: clusterVar?.current?.value ?? g.cluster, panel, expect: g.expect, expectBudgets: g.expectBudgets });
  } catch (e) {
    generatedChecks.push([`${id}: generated dashboard readable`, false, e.message]);
  }
}
const allScenarios = fixtures.scenarios.concat(generated.map((g) => ({ id: g.id, expect: g.expect, expectBudgets: g.expectBudgets })));
const LABELS = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', nodata: 'NO DATA', pending: 'PENDING' };

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`  ok   ${name}`);
  } else {
    failed++;
    console.log(`  FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

/** Colour as the browser computes it, for comparison with computed styles. */
async function normalise(page, colour) {
  return page.evaluate((c) => {
    const probe = document.createElement('div');
    probe.style.color = c;
    document.body.appendChild(probe);
    const v = getComputedStyle(probe).color;
    probe.remove();
    return v;
  }, colour);
}

/** The alert states, budgets, roll-ups and summary a scenario expects (written by hand in scenarios.json). */
async function checkStates(page, policy, s, theme) {
  const scope = `[data-scenario="${s.id}"]`;
  for (const [ref, want] of Object.entries(s.expectStates ?? {})) {
    const got = await page.$eval(`${scope} [data-ref-id="${ref}"] [data-testid="slo-alert-state"]`, (el) => el.getAttribute('data-alert-state')).catch(() => null);
    check(`${policy}/${s.id}/${ref}: alert ${want}`, got === want, String(got));
  }
  for (const [ref, want] of Object.entries(s.expectSeries ?? {})) {
    const got = await page.$eval(`${scope} [data-ref-id="${ref}"] [data-testid="slo-alert-state"]`, (el) => el.textContent).catch(() => null);
    check(`${policy}/${s.id}/${ref}: says "${want}"`, got === want, String(got));
  }
  if (s.expectBudgets) {
    const budgets = await page.$$eval(`${scope} [data-testid="slo-budget"]`, (els) =>
      els.map((el) => ({
        slo: el.getAttribute('data-slo'),
        status: el.getAttribute('data-status'),
        border: getComputedStyle(el).borderLeftColor,
        left: el.querySelector('[data-testid="slo-budget-left"]')?.textContent ?? '',
        burn: el.querySelector('[data-testid="slo-burn-rate"]')?.textContent ?? '',
        runbook: el.querySelector('a')?.getAttribute('href') ?? '',
      }))
    );
    check(`${policy}/${s.id}: one budget tile per SLO (${Object.keys(s.expectBudgets).join(', ')})`, JSON.stringify(budgets.map((b) => b.slo)) === JSON.stringify(Object.keys(s.expectBudgets)), budgets.map((b) => b.slo).join(', '));
    for (const b of budgets) {
      const [status, left, burn] = s.expectBudgets[b.slo] ?? [];
      const want = await normalise(page, theme[status]);
      check(
        `${policy}/${s.id}/SLO ${b.slo}: ${status}, "${left}", "${burn}", runbook`,
        b.status === status && b.border === want && b.left === left && b.burn.startsWith(burn) && b.runbook.endsWith('-budget-burn.md'),
        JSON.stringify(b)
      );
    }
  }
  for (const [id, [status, counts]] of Object.entries(s.expectRollups ?? {})) {
    const r = await page
      .$eval(`${scope} [data-rollup-id="${id}"]`, (el) => ({
        status: el.getAttribute('data-status'),
        border: getComputedStyle(el).borderLeftColor,
        counts: el.querySelector('[data-testid="slo-rollup-counts"]')?.textContent ?? '',
        first: el.querySelector('[data-testid="slo-rollup-member"]')?.getAttribute('data-status') ?? '',
        members: el.querySelectorAll('[data-testid="slo-rollup-member"]').length,
        height: el.getBoundingClientRect().height,
      }))
      .catch(() => null);
    const want = await normalise(page, theme[status]);
    check(
      `${policy}/${s.id}/${id}: one roll-up tile, ${status} (the worst member, listed first), "${counts}", a few members, fits its row`,
      r !== null && r.status === status && r.border === want && r.counts === counts && r.first === status && r.members > 0 && r.members <= 4 && r.height < 200,
      JSON.stringify(r)
    );
  }
  if (s.expectWorst) {
    const worst = await page.$eval(`${scope} [data-testid="slo-summary"]`, (el) => el.getAttribute('data-status')).catch(() => null);
    check(`${policy}/${s.id}: summary shows the worst state, ${s.expectWorst}`, worst === s.expectWorst, String(worst));
  }
}

async function runPolicy(context, policy) {
  const server = await serve(root, policy);
  const page = await context.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
  await page.addInitScript((g) => {
    window.__generated = g;
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, column: e.columnNumber }));
  }, generated.map(({ id, cluster, panel }) => ({ id, cluster, panel })));
  const expectFailure = policy === 'hardened-without-wasm-unsafe-eval';
  console.log(`${policy}: ${server.url}`);
  try {
    const t0 = Date.now();
    await page.goto(server.url, { timeout: PAGE_TIMEOUT_MS });
    await page.waitForFunction(() => window.__harness?.done, null, { timeout: PAGE_TIMEOUT_MS });
    const harnessError = await page.evaluate(() => window.__harness.error ?? null);
    check(`${policy}: harness loaded module.js through the AMD shim`, harnessError === null, harnessError ?? '');
    const defaults = await page.evaluate(() => window.__harness.defaults ?? null);
    check(`${policy}: plugin.defaults from the options builder`, JSON.stringify(defaults) === JSON.stringify({ cluster: '', definitions: '', tileMinWidth: 180, rollupAbove: 6 }), JSON.stringify(defaults));
    const requested = await page.evaluate(() => window.__harness.requested);
    check(`${policy}: module.js asked the host for its dependencies`, requested.includes('@grafana/data') && requested.includes('react'), requested.join(', '));
    // Wait until every scenario shows tiles or an error (bounded).
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-scenario] [data-testid="slo-health-panel"], [data-scenario] [data-testid="slo-load-error"]').length >= n,
      allScenarios.length,
      { timeout: PAGE_TIMEOUT_MS }
    );
    const rendered = Date.now() - t0;
    const theme = await page.evaluate(() => window.__harness.theme);
    const csp = server.csp();
    check(`${policy}: served with the intended CSP`, csp.includes("'wasm-unsafe-eval'") === policy.startsWith('hardened-wasm') && csp.includes("'unsafe-eval'") === (policy === 'grafana-default'), csp);

    for (const s of allScenarios) {
      const tiles = await page.$$eval(`[data-scenario="${s.id}"] [data-testid="slo-tile"]`, (els) =>
        els.map((el) => ({
          ref: el.getAttribute('data-ref-id'),
          status: el.getAttribute('data-status'),
          border: getComputedStyle(el).borderLeftColor,
          label: el.querySelector('[data-testid="slo-status"]')?.textContent ?? '',
          text: el.textContent ?? '',
        }))
      );
      const loadError = await page.$eval(`[data-scenario="${s.id}"]`, (el) => el.querySelector('[data-testid="slo-load-error"]')?.textContent ?? null);
      if (expectFailure) {
        check(`${policy}/${s.id}: no tile, the panel explains the CSP refusal`, tiles.length === 0 && loadError !== null && loadError.includes("'wasm-unsafe-eval'"), loadError ?? `${tiles.length} tiles`);
        continue;
      }
      check(`${policy}/${s.id}: no load error`, loadError === null, loadError ?? '');
      const got = Object.fromEntries(tiles.map((t) => [t.ref, t.status]));
      check(`${policy}/${s.id}: one tile per SLO, statuses ${JSON.stringify(s.expect)}`, JSON.stringify(got) === JSON.stringify(s.expect), JSON.stringify(got));
      for (const t of tiles) {
        const want = await normalise(page, theme[t.status]);
        const label = LABELS[t.status];
        const labelShown = (await page.$eval(`[data-scenario="${s.id}"] [data-ref-id="${t.ref}"] [data-testid="slo-status"]`, (el) => el.innerText)).trim();
        check(`${policy}/${s.id}/${t.ref}: ${t.status} in the theme colour, label ${label}`, t.border === want && labelShown === label, `border ${t.border} want ${want}, label ${labelShown}`);
        if (t.status === 'nodata') {
          check(`${policy}/${s.id}/${t.ref}: says "No data"`, t.text.includes('No data'), t.text);
        }
      }
      await checkStates(page, policy, s, theme);
    }
    const violations = await page.evaluate(() => window.__csp);
    const wasmRefused = violations.some((v) => v.directive === 'script-src' && v.blocked === 'wasm-eval');
    if (expectFailure) {
      check(`${policy}: Chromium reported the wasm-eval CSP violation`, wasmRefused, JSON.stringify(violations));
    } else {
      // Host libraries may probe `new Function` (zod's JIT check in @grafana/*, caught by
      // them): not the panel's concern. The panel's module must cause no violation.
      const ours = violations.filter((v) => !v.source?.includes('/harness/dist/'));
      check(`${policy}: no CSP violation caused by the panel`, ours.length === 0, JSON.stringify(ours));
      if (violations.length > ours.length) {
        console.log(`  note: host bundle violations (not the panel): ${JSON.stringify(violations.filter((v) => !ours.includes(v)))}`);
      }
    }
    const shot = join(outDir, `slo-health-${policy}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    if (policy === 'grafana-default') {
      await page.screenshot({ path: join(outDir, 'slo-health.png'), fullPage: true });
    }
    console.log(`  rendered in ${rendered} ms; screenshot ${shot}`);
  } catch (e) {
    check(`${policy}: page completed`, false, `${e.message}\n${console_.join('\n')}`);
  } finally {
    await page.close();
    await server.close();
  }
}

const profile = mkdtempSync(join(tmpdir(), 'luneo-slohealth-chromium-'));
for (const [name, ok, detail] of generatedChecks) {
  check(name, ok, detail);
}
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1240, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: PAGE_TIMEOUT_MS,
  });
  for (const policy of ['grafana-default', 'hardened-wasm-unsafe-eval', 'hardened-without-wasm-unsafe-eval']) {
    await runPolicy(context, policy);
  }
} catch (e) {
  check('chromium started', false, e.message);
} finally {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
