// Browser end-to-end test of the designer, in real headless Chromium or Firefox
// (playwright-core), against a running `hookflow serve` and `hookflow standin`. Run by
// crates/hookflow/tests/designer.rs (cargo test), which boots both and sets:
//   HOOKFLOW_URL, HOOKFLOW_ADMIN_KEY, STANDIN_URL, SCREENSHOT_DIR,
//   BROWSER (chromium, the default, or firefox),
//   CHROMIUM or FIREFOX (optional: the browser's executable)
// Chromium is driven over CDP; Firefox is the stock (Debian firefox-esr) build, driven over
// WebDriver BiDi (playwright's "moz-firefox" channel), not playwright's patched Firefox.
// Exit 0 when every scenario passed.

import { chromium, firefox } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const BASE = need('HOOKFLOW_URL');
const KEY = need('HOOKFLOW_ADMIN_KEY');
const STANDIN = need('STANDIN_URL');
const SHOTS = process.env.SCREENSHOT_DIR ?? 'screenshots';
const BROWSER = process.env.BROWSER || 'chromium';
if (!['chromium', 'firefox'].includes(BROWSER)) {
  console.error(`designer e2e: BROWSER must be chromium or firefox, not ${BROWSER}`);
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const DEADLINE = 30_000;

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`designer e2e: ${name} is not set`);
    process.exit(2);
  }
  return v.replace(/\/$/, '');
}

mkdirSync(SHOTS, { recursive: true });

const consoleProblems = [];
let step = 'start';

function log(msg) {
  console.log(`[designer e2e ${BROWSER}] ${msg}`);
}

async function shot(page, name) {
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  log(`screenshot ${file}`);
}

async function poll(what, fn, timeout = DEADLINE) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function json(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/** Playwright's BiDi driver sends a few commands that stock Firefox ESR does not know yet
 * ("unknown command"), and a new browser context fails on the first of them. Each one
 * listed here only emulates something these scenarios never ask for (a forced
 * prefers-color-scheme), so it is answered as a no-op instead of being sent. */
const BIDI_COMMANDS_FIREFOX_ESR_LACKS = new Set(['emulation.setMediaFeaturesOverride']);

function tolerateFirefoxEsr() {
  const { server } = createRequire(import.meta.url)('playwright-core/lib/coreBundle');
  const transport = server?.WebSocketTransport?.prototype;
  if (!transport?.send) throw new Error('playwright-core no longer exports server.WebSocketTransport; revisit tolerateFirefoxEsr()');
  const send = transport.send;
  transport.send = function (message) {
    if (!BIDI_COMMANDS_FIREFOX_ESR_LACKS.has(message?.method)) return send.call(this, message);
    setImmediate(() => this.onmessage?.({ type: 'success', id: message.id, result: {} }));
  };
}

async function launch() {
  if (BROWSER === 'firefox') {
    tolerateFirefoxEsr();
    return firefox.launch({
      channel: 'moz-firefox',
      executablePath: FIREFOX,
      headless: true,
      firefoxUserPrefs: {
        // Let the page read the clipboard without Firefox's "Paste" confirmation popup.
        'dom.events.testing.asyncClipboard': true,
      },
    });
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** In the page, before its scripts (Firefox only). Playwright's BiDi driver implements
 * fill() and keyboard.insertText() by assigning `input.value` and dispatching a synthetic
 * "input" event (its injected `__pw_bidiInsertText`). React tracks that assignment, so it
 * sees no change and never calls onChange: a filled field looks filled but the app's state
 * stays empty. (A person typing, or Chromium's Input.insertText, goes through the editor
 * instead.) This wraps the helper so text goes in with `execCommand('insertText')`, the
 * browser's own editing path, as typed text does; anything else is left to playwright. */
function typeLikeAPerson() {
  let playwrights;
  const ours = (text) => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    const editable = el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
    if (editable && text && document.execCommand('insertText', false, text)) return undefined;
    return playwrights?.(text);
  };
  Object.defineProperty(window, '__pw_bidiInsertText', {
    configurable: true,
    get: () => ours,
    set: (fn) => {
      playwrights = fn;
    },
  });
}

const browser = await launch();
log(`${BROWSER} ${browser.version()}`);
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
if (BROWSER === 'chromium') await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
if (BROWSER === 'firefox') await context.addInitScript(typeLikeAPerson);

const page = await context.newPage();
page.setDefaultTimeout(15_000);
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  const text = m.text();
  // Chromium logs every non-2xx fetch (Firefox does not); the scenarios below cause the
  // expected ones (a wrong admin key, a refused save, a missing workflow). Anything else,
  // in either browser, is a defect.
  if (/Failed to load resource: the server responded with a status of (400|401|404|502)/.test(text)) return;
  consoleProblems.push(`console error during ${step}: ${text}`);
});
page.on('pageerror', (e) => consoleProblems.push(`page error during ${step}: ${e.message}`));

/** Every visible control must have an accessible name (a light version of axe's
 * button-name/label rules). */
async function checkNames(where) {
  const missing = await page.evaluate(() => {
    const out = [];
    const sel = 'button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=tab], [role=menuitem], [contenteditable=true]';
    for (const el of document.querySelectorAll(sel)) {
      const style = getComputedStyle(el);
      if (el.closest('[aria-hidden=true]') || style.visibility === 'hidden' || style.display === 'none' || el.getClientRects().length === 0) continue;
      let name = el.getAttribute('aria-label') || '';
      const by = el.getAttribute('aria-labelledby');
      if (!name && by) name = by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
      if (!name && el.id) name = [...document.querySelectorAll(`label[for="${CSS.escape(el.id)}"]`)].map((l) => l.textContent).join(' ');
      if (!name) name = el.closest('label')?.textContent ?? '';
      if (!name && !['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) name = el.textContent ?? '';
      if (!name) name = el.getAttribute('title') ?? '';
      if (!name.trim()) out.push(el.outerHTML.slice(0, 200));
    }
    return out;
  });
  if (missing.length) throw new Error(`controls without an accessible name on ${where}:\n${missing.join('\n')}`);
  log(`every control on ${where} has an accessible name`);
}

/** A mouse drag in small steps, as a person drags (the canvas needs intermediate moves). */
async function drag(from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  const [x0, y0, x1, y1] = [a.x + a.width / 2, a.y + a.height / 2, b.x + b.width / 2, b.y + b.height / 2];
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(x0 + ((x1 - x0) * i) / 12, y0 + ((y1 - y0) * i) / 12);
  await page.mouse.up();
}

// Selects a step on the canvas. The canvas may still be re-laying out after an edit (a
// step inserted, a banner gone), and a click during the move can land beside the node:
// click again until the step's panel shows.
async function selectStep(name, type) {
  await poll(`step ${name} selected`, async () => {
    await page.getByRole('button', { name: `Step ${name} (${type})`, exact: true }).click();
    await page.getByRole('heading', { level: 2, name, exact: true }).waitFor({ timeout: 2000 });
    return true;
  });
}

// Opens the step catalogue with the canvas button `opener` and filters it to one step. The
// canvas may still be re-laying out after an edit (a step just added moves into place), and
// a click during the move can land beside the button: click again until the catalogue shows.
async function openCatalogueAndPick(opener, query, title, role) {
  const search = page.getByRole('searchbox', { name: role === 'trigger' ? 'Search triggers' : 'Search actions' });
  await poll(`the ${role} catalogue to open from "${opener}"`, async () => {
    if (!(await search.isVisible())) {
      await page.getByRole('button', { name: opener, exact: true }).click({ timeout: 2000 });
    }
    await search.waitFor({ timeout: 2000 });
    return true;
  });
  await search.fill(query);
  const list = page.getByRole('list', { name: role === 'trigger' ? 'Triggers' : 'Actions' });
  await poll(`"${query}" to filter to ${title}`, async () => (await list.getByRole('listitem').count()) === 1);
  const only = list.getByRole('button', { name: `${title} ${role}` });
  await only.waitFor();
  return only;
}

async function createWorkflow(name) {
  await page.goto(`${BASE}/`);
  await page.getByRole('button', { name: 'New workflow', exact: true }).click();
  await page.getByLabel('Workflow name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function save(expectOk = true) {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  if (expectOk) await page.getByRole('status').filter({ hasText: /^Saved / }).waitFor();
}

try {
  // ── Sign in ───────────────────────────────────────────────────────────────
  step = 'sign in';
  await page.goto(`${BASE}/`);
  await page.getByLabel('Admin key', { exact: true }).fill('not-the-key');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'That admin key is not right.' }).waitFor();
  await page.getByLabel('Admin key', { exact: true }).fill(KEY);
  await shot(page, '01-sign-in');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Workflows', exact: true }).waitFor();
  await shot(page, '02-empty-list');

  // ── Walk-through: blank workflow → HTTP Webhook trigger → save → subscribed ──
  step = 'walk-through';
  await createWorkflow('orders-webhook');
  await shot(page, '03-blank-workflow');
  const pickTrigger = await openCatalogueAndPick('Add a trigger', 'http webhook', 'HTTP Webhook', 'trigger');
  await shot(page, '04-catalogue-http-webhook');
  await checkNames('the catalogue');
  await pickTrigger.click();
  await page.getByLabel('Step name', { exact: true }).fill('When_an_order_arrives');
  await page.getByLabel('Step name', { exact: true }).press('Enter');
  await page.getByRole('heading', { level: 2, name: 'When an order arrives' }).waitFor();
  await page.getByLabel('Subscribe - Method', { exact: true }).selectOption('POST');
  await page.getByLabel('Subscribe - URI', { exact: true }).fill(`${STANDIN}/subscribe`);
  await page.getByRole('button', { name: 'Add new parameter', exact: true }).click();
  await page.getByRole('list', { name: 'Optional parameters', exact: true }).getByLabel('Unsubscribe', { exact: true }).click();
  await page.getByLabel('Unsubscribe - Method', { exact: true }).selectOption('POST');
  await page.getByLabel('Unsubscribe - URI', { exact: true }).fill(`${STANDIN}/unsubscribe`);
  await shot(page, '05-webhook-trigger-form');
  await checkNames('the designer with the HTTP Webhook form');
  await save();
  const sub = await poll('the stand-in to receive the subscribe call', async () => {
    const reqs = await json(`${STANDIN}/requests`);
    return reqs.find((r) => r.method === 'POST' && r.path.startsWith('/subscribe') && JSON.stringify(r.body).includes('/workflows/orders-webhook/triggers/When_an_order_arrives/'));
  });
  log(`stand-in received ${sub.method} ${sub.path} with callbackUrl ${sub.body.callbackUrl.slice(0, 80)}…`);
  // The saved definition is what the form says.
  const saved = await json(`${BASE}/api/workflows/orders-webhook`, { headers: { Authorization: `Bearer ${KEY}` } });
  const t = saved.properties.definition.triggers.When_an_order_arrives;
  assert(t.type === 'HttpWebhook', 'trigger type');
  assert(t.inputs.subscribe.uri === `${STANDIN}/subscribe`, 'subscribe uri');
  assert(t.inputs.unsubscribe.uri === `${STANDIN}/unsubscribe`, 'unsubscribe uri');
  await shot(page, '06-webhook-trigger-saved');

  // The list shows it, with state and trigger type.
  await page.getByRole('link', { name: 'hookflow', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: 'orders-webhook' });
  await row.getByText('HTTP Webhook').waitFor();
  await row.getByText('Enabled').waitFor();
  await shot(page, '07-list');
  await checkNames('the workflow list');

  // Disable unsubscribes, enable subscribes again; the list says what the service answered.
  step = 'enable/disable';
  await page.getByRole('button', { name: 'Disable orders-webhook', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'orders-webhook disabled' }).waitFor();
  await poll('the stand-in to receive the unsubscribe call', async () =>
    (await json(`${STANDIN}/requests`)).some((r) => r.path.startsWith('/unsubscribe')),
  );
  await page.getByRole('button', { name: 'Enable orders-webhook', exact: true }).click();
  const enabled = page.getByRole('status').filter({ hasText: 'orders-webhook enabled' });
  await enabled.waitFor();
  assert(/Subscribed \(subscribe: HTTP 2\d\d\)/.test(await enabled.innerText()), `enable notice: ${await enabled.innerText()}`);
  await shot(page, '07b-list-enabled');

  // ── HTTP Webhook action after a Request trigger ─────────────────────────────
  step = 'webhook action';
  await createWorkflow('approval');
  await (await openCatalogueAndPick('Add a trigger', 'request', 'When a HTTP request is received', 'trigger')).click();
  await (await openCatalogueAndPick('Insert a new step after the trigger', 'http webhook', 'HTTP Webhook', 'action')).click();
  await page.getByLabel('Step name', { exact: true }).fill('Wait_for_approval');
  await page.getByLabel('Step name', { exact: true }).press('Enter');
  await page.getByRole('heading', { level: 2, name: 'Wait for approval' }).waitFor();
  await page.getByLabel('Subscribe - URI', { exact: true }).fill(`${STANDIN}/subscribe`);
  // Dynamic content: the picker offers listCallbackUrl() here.
  await page.getByRole('button', { name: 'Insert dynamic content into Subscribe - Body', exact: true }).click();
  await page.getByRole('menu', { name: 'Dynamic content for Subscribe - Body', exact: true }).getByRole('menuitem', { name: /Callback URL/ }).waitFor();
  await shot(page, '08-dynamic-content');
  await page.keyboard.press('Escape');
  // Keyboard: the picker opens with focus on its first entry and inserts on Enter.
  await page.getByRole('button', { name: 'Insert dynamic content into Subscribe - URI', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown'); // past "Callback URL" to the trigger body
  await page.keyboard.press('Enter');
  const uri = await page.getByLabel('Subscribe - URI', { exact: true }).inputValue();
  assert(uri === `${STANDIN}/subscribe@{triggerBody()}`, `inserted by keyboard: ${uri}`);
  await page.getByLabel('Subscribe - URI', { exact: true }).fill(`${STANDIN}/subscribe`);
  await save();
  await shot(page, '09-approval-saved');

  // The trigger's callback URL, copyable from the designer.
  step = 'fire trigger';
  await page.getByRole('button', { name: /^Trigger manual/ }).click();
  const urlBox = page.getByLabel('Callback URL', { exact: true });
  const callbackUrl = await poll('the trigger callback URL', async () => (await urlBox.inputValue()) || null);
  assert(callbackUrl.includes('/workflows/approval/triggers/manual/paths/invoke'), `callback URL ${callbackUrl}`);
  await page.getByRole('button', { name: 'Copy the callback URL', exact: true }).click();
  await page.getByRole('button', { name: 'Copy the callback URL', exact: true }).getByText('Copied').waitFor();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert(clip === callbackUrl, `the clipboard holds the callback URL: ${clip}`);
  await shot(page, '10-trigger-callback-url');
  const fired = await fetch(callbackUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ item: 'book' }) });
  assert(fired.status === 202, `trigger answered ${fired.status}`);

  // ── Run waits; call back; succeeds with the callback body ──────────────────
  step = 'run view';
  await page.getByRole('tab', { name: 'Run history', exact: true }).click();
  // A run whose webhook action waits is Running (as in Logic Apps); the action is Waiting.
  await page.getByRole('row').filter({ hasText: 'Running' }).first().waitFor({ timeout: DEADLINE });
  await shot(page, '11-run-history-running');
  await page.getByRole('row').filter({ hasText: 'Running' }).first().getByRole('link').click();
  await page.getByRole('button', { name: /^Step Wait_for_approval \(HTTP Webhook\), Waiting/ }).click();
  await page.getByText('Waiting for a callback.').waitFor();
  const actionUrl = await page.getByLabel('Callback URL of the waiting action', { exact: true }).inputValue();
  assert(/\/workflows\/approval\/runs\/[^/]+\/actions\/Wait_for_approval\/run\?/.test(actionUrl), `action callback URL ${actionUrl}`);
  await shot(page, '12-run-waiting');
  await checkNames('the run view');
  const subs = await json(`${STANDIN}/subscriptions`);
  const mine = subs.find((s) => s.callbackUrl === actionUrl);
  assert(mine, 'the stand-in holds the subscription with the shown callback URL');
  await json(`${STANDIN}/subscriptions/${mine.id}/callback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ approved: true, by: 'e2e-reviewer' }),
  });
  await page.getByRole('button', { name: /^Step Wait_for_approval \(HTTP Webhook\), Succeeded/ }).waitFor({ timeout: DEADLINE });
  await page.getByRole('button', { name: /^Step Wait_for_approval/ }).click();
  const outputs = page.getByRole('region', { name: 'Outputs', exact: true });
  await outputs.getByText('e2e-reviewer').waitFor();
  await page.locator('.run-meta').getByText('Succeeded').waitFor({ timeout: DEADLINE });
  await shot(page, '13-run-succeeded');

  // ── Cancel a waiting run ───────────────────────────────────────────────────
  step = 'cancel';
  const again = await fetch(callbackUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"item":"pen"}' });
  assert(again.status === 202, `trigger answered ${again.status}`);
  await page.getByRole('button', { name: '← All runs', exact: true }).click();
  await page.getByRole('combobox', { name: 'Filter runs by status', exact: true }).selectOption('Running');
  await page.getByRole('row').filter({ hasText: 'Running' }).first().waitFor({ timeout: DEADLINE });
  await page.getByRole('row').filter({ hasText: 'Running' }).first().getByRole('link').click();
  await page.getByRole('button', { name: /^Step Wait_for_approval \(HTTP Webhook\), Waiting/ }).waitFor({ timeout: DEADLINE });
  await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
  await page.locator('.run-meta').getByText('Cancelled').waitFor({ timeout: DEADLINE });
  await shot(page, '14-run-cancelled');
  // One Firefox run's click on Resubmit, right after the run turned Cancelled, never
  // reached the server (no request, no notice). Click again only while no new run came
  // of the clicks, so the run is resubmitted exactly once.
  const approvalRuns = async () =>
    (await json(`${BASE}/api/workflows/approval/runs`, { headers: { Authorization: `Bearer ${KEY}` } })).value.length;
  const runsBeforeResubmit = await approvalRuns();
  const resubmittedNotice = page.getByRole('status').filter({ hasText: 'Resubmitted' });
  await poll('the resubmit notice', async () => {
    if ((await approvalRuns()) === runsBeforeResubmit) {
      await page.getByRole('button', { name: 'Resubmit', exact: true }).click();
      await resubmittedNotice.waitFor({ timeout: 3000 }).catch(() => {});
    }
    return (await resubmittedNotice.count()) > 0;
  });
  // One Firefox run's click on the link, right after the notice appeared, did not
  // navigate; click until the link is gone (the new run's page has no notice).
  const openNewRun = page.getByRole('link', { name: 'Open the new run', exact: true });
  await poll('the new run opened', async () => {
    if ((await openNewRun.count()) > 0) await openNewRun.click({ timeout: 2000 });
    return (await openNewRun.count()) === 0;
  });
  await page.getByRole('button', { name: /^Step Wait_for_approval \(HTTP Webhook\), Waiting/ }).waitFor({ timeout: DEADLINE });
  await page.getByRole('button', { name: '← All runs', exact: true }).click();
  await page.getByRole('combobox', { name: 'Filter runs by status', exact: true }).selectOption('All');
  await page.getByRole('row').filter({ hasText: 'Succeeded' }).first().waitFor();
  await page.getByRole('row').filter({ hasText: 'Cancelled' }).first().waitFor();
  // The resubmitted run is the third.
  await poll('the resubmitted run in the list', async () => (await page.getByRole('row').count()) === 4);
  await shot(page, '15-run-history');

  // ── A validation error is shown at its step ────────────────────────────────
  step = 'validation error';
  await page.getByRole('tab', { name: 'Designer', exact: true }).click();
  await (await openCatalogueAndPick('Insert a new step after Wait_for_approval', 'compose', 'Compose', 'action')).click();
  await page.getByLabel('Step name', { exact: true }).fill('Summary');
  await page.getByLabel('Step name', { exact: true }).press('Enter');
  await page.getByRole('heading', { level: 2, name: 'Summary' }).waitFor();
  await page.getByLabel('Inputs', { exact: true }).fill('@notAFunction(1)');
  await save(false);
  await page.getByRole('alert').filter({ hasText: 'The workflow was not saved' }).waitFor();
  await page.getByRole('button', { name: /^Step Summary \(Compose\), has errors/ }).waitFor();
  const fieldError = page.locator('.panel .field').filter({ has: page.getByLabel('Inputs', { exact: true }) }).locator('.field-error');
  await poll('the server error beside the Inputs field', async () => /notAFunction|function/i.test(await fieldError.innerText()));
  await shot(page, '16-validation-error');
  await checkNames('the designer with a validation error');
  // runAfter statuses are editable, and a non-default edge is labelled on the canvas.
  await page.getByRole('checkbox', { name: 'Wait_for_approval: Failed', exact: true }).check();
  await page.locator('.edge-label').filter({ hasText: 'Succeeded, Failed' }).waitFor();
  // Names stay unique.
  await page.getByLabel('Step name', { exact: true }).fill('Wait_for_approval');
  await page.getByText('Another step is already named "Wait_for_approval".').waitFor();
  await page.getByLabel('Step name', { exact: true }).press('Escape');
  await shot(page, '16b-run-after-edited');

  // Code view shows the same definition.
  step = 'code view';
  // By keyboard: the tabs follow the ARIA pattern (arrow keys).
  await page.getByRole('tab', { name: 'Designer', exact: true }).focus();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('tab', { name: 'Code view', exact: true, selected: true }).waitFor();
  await page.getByText('"Summary"').first().waitFor();
  // The save's validation error is marked on the value it names.
  await page.locator('.cm-lintRange-error').filter({ hasText: 'notAFunction' }).waitFor();
  await shot(page, '17-code-view');
  await checkNames('the code view');
  // An edit in the code view shows on the canvas.
  const fromCode = {
    triggers: { manual: { type: 'Request', kind: 'Http', inputs: { schema: {} } } },
    actions: {
      From_code: { type: 'Compose', inputs: 'typed in the code view', runAfter: {} },
      Second: { type: 'Compose', inputs: 2, runAfter: { From_code: ['Succeeded'] } },
      Third: { type: 'Compose', inputs: 3, runAfter: { Second: ['Succeeded'] } },
    },
  };
  await page.getByRole('textbox', { name: 'Workflow definition JSON', exact: true }).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(JSON.stringify(fromCode, null, 2));
  await page.getByRole('status').filter({ hasText: 'Valid JSON' }).waitFor();
  await page.getByRole('tab', { name: 'Designer', exact: true }).click();
  await page.getByRole('button', { name: 'Step From_code (Compose)', exact: true }).waitFor();
  await shot(page, '17b-designer-after-code-edit');
  // Drag and drop: Third dropped on From_code runs right after it, before Second.
  await drag(page.getByRole('button', { name: 'Step Third (Compose)', exact: true }), page.getByRole('button', { name: 'Step From_code (Compose)', exact: true }));
  await page.getByRole('heading', { level: 2, name: 'Third' }).waitFor();
  await page.getByRole('group', { name: 'Run after From_code', exact: true }).waitFor();
  await selectStep('Second', 'Compose');
  await page.getByRole('group', { name: 'Run after Third', exact: true }).waitFor();
  await shot(page, '17c-after-drag');
  // The "+" on an edge inserts between its two ends.
  await (await openCatalogueAndPick('Insert a new step between From_code and Third', 'compose', 'Compose', 'action')).click();
  await page.getByRole('heading', { level: 2, name: 'Compose' }).waitFor();
  await page.getByRole('group', { name: 'Run after From_code', exact: true }).waitFor();
  await selectStep('Third', 'Compose');
  await page.getByRole('group', { name: 'Run after Compose', exact: true }).waitFor();
  await shot(page, '17e-inserted-between');
  // The refused save's banner left with the step it was about (the code edit removed it).
  const notSaved = page.getByRole('alert').filter({ hasText: 'The workflow was not saved' });
  assert((await notSaved.count()) === 0, 'no stale "not saved" banner once its step is gone');

  // ── Versions: a run keeps showing the steps it ran ─────────────────────────
  step = 'versions';
  await selectStep('Compose', 'Compose');
  await page.getByLabel('Inputs', { exact: true }).fill('between');
  await save();
  assert((await notSaved.count()) === 0, 'no "not saved" banner after a successful save');
  await shot(page, '17f-saved-after-code-edit');
  await page.getByRole('tab', { name: 'Run history', exact: true }).click();
  await page.getByRole('row').filter({ hasText: 'Succeeded' }).first().getByRole('link').click();
  await page.getByRole('button', { name: /^Step Wait_for_approval \(HTTP Webhook\), Succeeded/ }).waitFor({ timeout: DEADLINE });
  await page.locator('.run-meta').getByText('Earlier version', { exact: true }).waitFor();
  assert((await page.getByRole('button', { name: /^Step From_code/ }).count()) === 0, 'the run shows the steps it ran, not the current ones');
  await shot(page, '17g-run-on-earlier-version');

  // ── Loop iterations in the run view (repetitions endpoint) ────────────────
  step = 'loop iterations';
  const auth = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
  await json(`${BASE}/api/workflows/loop`, {
    method: 'PUT',
    headers: auth,
    body: JSON.stringify({
      properties: {
        definition: {
          $schema: 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#',
          contentVersion: '1.0.0.0',
          triggers: { manual: { type: 'Request', kind: 'Http', inputs: { schema: {} } } },
          actions: {
            Each_item: {
              type: 'Foreach',
              foreach: "@triggerBody()?['items']",
              actions: { Double: { type: 'Compose', inputs: "@mul(items('Each_item'), 2)", runAfter: {} } },
              runAfter: {},
            },
          },
          outputs: {},
        },
      },
    }),
  });
  const loopRun = await json(`${BASE}/api/workflows/loop/triggers/manual/run`, { method: 'POST', headers: auth, body: '{"items":[1,2,3]}' });
  await page.goto(`${BASE}/w/loop/runs/${loopRun.run.name}`);
  await page.getByRole('button', { name: /^Step Double \(Compose\), Succeeded/ }).click({ timeout: DEADLINE });
  const iteration = page.getByLabel('Iteration (3 in all)', { exact: true });
  await iteration.selectOption({ index: 2 });
  await page.getByRole('region', { name: 'Outputs' }).getByText('6').waitFor();
  await shot(page, '17d-loop-iterations');

  // ── Keyboard only: add a trigger ───────────────────────────────────────────
  step = 'keyboard';
  await createWorkflow('refused');
  await page.getByRole('button', { name: 'Add a trigger', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.type('http webhook'); // the search box has the focus
  await page.keyboard.press('Enter'); // picks the first (only) result
  await page.getByRole('heading', { level: 2, name: 'HTTP Webhook' }).waitFor();
  assert(await page.getByRole('heading', { level: 2, name: 'HTTP Webhook' }).evaluate((h) => h === document.activeElement), 'focus moves to the step panel');

  // ── A refused webhook subscription shows the service's answer ──────────────
  step = 'refused subscription';
  await page.getByLabel('Subscribe - URI', { exact: true }).fill(`${STANDIN}/no-such-endpoint`);
  await save(false);
  const refused = page.getByRole('alert').filter({ hasText: 'refused the subscription' });
  await refused.waitFor({ timeout: DEADLINE });
  assert(/404/.test(await refused.innerText()), `the service's answer is shown: ${await refused.innerText()}`);
  await shot(page, '18-subscription-refused');

  // ── Delete with confirmation ───────────────────────────────────────────────
  step = 'delete';
  page.once('dialog', (d) => d.accept()); // leaving the unsaved workflow asks first
  await page.getByRole('link', { name: 'hookflow', exact: true }).click();
  await page.getByRole('button', { name: 'Delete orders-webhook', exact: true }).click();
  await page.getByRole('dialog', { name: 'Delete orders-webhook?' }).waitFor();
  await shot(page, '19-delete-confirm');
  await page.getByRole('button', { name: 'Delete workflow', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'orders-webhook deleted' }).waitFor();
  await poll('the deleted row to go', async () => (await page.getByRole('row').filter({ hasText: 'orders-webhook' }).count()) === 0);

  if (consoleProblems.length) throw new Error(`console errors:\n${consoleProblems.join('\n')}`);
  log('all scenarios passed');
  await browser.close();
  process.exit(0);
} catch (e) {
  console.error(`[designer e2e ${BROWSER}] FAILED during ${step}: ${e.stack ?? e}`);
  for (const p of consoleProblems) console.error(`[designer e2e ${BROWSER}] ${p}`);
  try {
    await shot(page, `failure-${step.replace(/\W+/g, '-')}`);
  } catch {
    // ignore
  }
  await browser.close();
  process.exit(1);
}
