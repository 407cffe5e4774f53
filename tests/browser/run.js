// Runs the Control Panel's browser tests: starts a real `glint serve` (GLINT_BIN, default
// target/debug/glint) on a free port with a temporary data folder, drives Debian's Chromium
// headless through playwright-core, saves a screenshot of every page and dialog into
// docs/screenshots/, and ends with the line "N passed, N failed" (exit 1 on any failure).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Glint } = require('./lib/glint');
const { World } = require('./lib/world');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.GLINT_BIN || path.join(ROOT, 'target', 'debug', 'glint');
const SHOTS = process.env.GLINT_SCREENSHOTS || path.join(ROOT, 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ONLY = process.env.GLINT_BROWSER_ONLY || '';

const SPECS = ['producer', 'consumer', 'lifecycle', 'safety', 'account', 'notifications', 'retirement', 'groups', 'reports', 'sharing_policy'];

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const glint = new Glint(BIN);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  let passed = 0;
  let failed = 0;
  let world = null;
  try {
    await glint.start();
    console.log(`glint serve on ${glint.url} (data in ${glint.dataDir})`);
    world = new World(glint, browser, SHOTS);
    await world.setUp();
    for (const name of SPECS) {
      const steps = require(`./specs/${name}`);
      for (const step of steps) {
        const title = `${name}: ${step.name}`;
        if (ONLY && !title.includes(ONLY)) { continue; }
        const started = Date.now();
        try {
          await step.run(world);
          passed += 1;
          console.log(`  ok    ${title} (${Date.now() - started} ms)`);
        } catch (error) {
          failed += 1;
          console.log(`  FAIL  ${title}\n        ${String(error && error.stack || error).split('\n').slice(0, 6).join('\n        ')}`);
          await world.failureShot(title);
        }
      }
    }
  } catch (error) {
    failed += 1;
    console.log(`  FAIL  setting up: ${error && error.stack || error}`);
  } finally {
    if (world) { await world.tearDown(); }
    await browser.close();
    await glint.stop();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
