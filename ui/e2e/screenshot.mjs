// A developer's tool, not a test: signs in and screenshots one page of a running server.
//   HOOKFLOW_ADMIN_KEY=… node e2e/screenshot.mjs http://127.0.0.1:7071 /w/my-flow out.png ["Step name regex to click"]
import { chromium } from 'playwright-core';

const [, , base, path, out, clickName] = process.argv;
const b = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1440, height: 900 } });
p.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
p.on('pageerror', (e) => console.log('pageerror:', e.message));
await p.goto(base + '/');
await p.evaluate((key) => sessionStorage.setItem('hookflow.adminKey', key), process.env.HOOKFLOW_ADMIN_KEY ?? '');
await p.goto(base + path);
await p.waitForTimeout(1200);
if (clickName) {
  await p.getByRole('button', { name: new RegExp(clickName) }).first().click();
  await p.waitForTimeout(500);
}
await p.screenshot({ path: out });
await b.close();
