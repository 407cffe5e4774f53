// What the specs share: the server, one browser context per user (two accounts, plus a user with
// only the member role), the setup data, and the common steps: signing in, finding a row,
// opening a gear menu, reading the flash message, saving screenshots.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PASSWORD = 'browser-test-pass';
const PRODUCER = { account: 'acme-images', number: '554433', user: 'pat', regions: 'DFW,IAD,ORD' };
const CONSUMER = { account: 'beta-labs', number: '778899', user: 'carol', regions: 'DFW,IAD' };
const MEMBER = { account: 'beta-labs', number: '778899', user: 'milo' };

class World {
  constructor(glint, browser, shots) {
    this.glint = glint;
    this.browser = browser;
    this.shots = shots;
    this.contexts = [];
    this.alerts = [];
    this.PASSWORD = PASSWORD;
    this.PRODUCER = PRODUCER;
    this.CONSUMER = CONSUMER;
    this.MEMBER = MEMBER;
    this.state = {};
  }

  async setUp() {
    const g = this.glint;
    g.admin(['region', 'create', 'ORD']);
    g.admin(['account', 'create', PRODUCER.account, '--id', PRODUCER.number, '--regions', PRODUCER.regions]);
    g.admin(['account', 'create', CONSUMER.account, '--id', CONSUMER.number, '--regions', CONSUMER.regions]);
    g.admin(['user', 'create', PRODUCER.user, '--account', PRODUCER.account, '--role', 'manager'], PASSWORD + '\n');
    g.admin(['user', 'create', CONSUMER.user, '--account', CONSUMER.account, '--role', 'manager'], PASSWORD + '\n');
    g.admin(['user', 'create', MEMBER.user, '--account', MEMBER.account, '--role', 'member'], PASSWORD + '\n');
    const admin = await g.adminToken();
    const data = new Uint8Array(256 * 1024).fill(7);
    for (const name of ['Ubuntu 24.04 LTS (Noble Numbat)', 'Debian 12 (Bookworm)']) {
      await g.imageWithData(admin, 'DFW', { name, visibility: 'public', disk_format: 'raw' }, data);
    }
    this.producer = await this.page();
    this.consumer = await this.page();
    this.member = await this.page();
  }

  async page() {
    const context = await this.browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: this.glint.url });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('dialog', async (dialog) => { this.alerts.push(dialog.message()); await dialog.dismiss(); });
    return page;
  }

  async tearDown() {
    for (const context of this.contexts) { await context.close().catch(() => {}); }
  }

  async signIn(page, who, password) {
    await page.goto('/sign-in');
    await page.fill('input[name="username"]', who.user);
    await page.fill('input[name="password"]', password || PASSWORD);
    await page.fill('input[name="account"]', who.account);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }

  // Saves a screenshot as docs/screenshots/NAME.png (the whole page with `full`).
  async shot(page, name, full) {
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.screenshot({ path: path.join(this.shots, `${name}.png`), fullPage: Boolean(full) });
  }

  async failureShot(title) {
    const dir = path.join(os.tmpdir(), 'glint-browser-failures');
    fs.mkdirSync(dir, { recursive: true });
    const safe = title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const pages = [['producer', this.producer], ['consumer', this.consumer], ['member', this.member]];
    for (const [who, page] of pages) {
      if (page) { await page.screenshot({ path: path.join(dir, `${safe}-${who}.png`) }).catch(() => {}); }
    }
    console.log(`        screenshots of the failure: ${dir}`);
  }

  // Goes to a path and waits for the page.
  async go(page, target) {
    await page.goto(target);
    await page.waitForLoadState('domcontentloaded');
  }

  // Submits by clicking, then waits for the next page.
  async clickAndWait(page, locator) {
    await Promise.all([page.waitForNavigation(), locator.click()]);
  }

  // The row of Saved Images that shows the image `name`.
  row(page, name) {
    return page.locator('table[data-testid="saved-images"] tbody tr', { has: page.locator('.image-name', { hasText: name }) });
  }

  async openGear(page, name) {
    await this.row(page, name).locator('[data-testid="gear"]').click();
  }

  async flash(page) {
    const flash = page.locator('[data-testid="flash"]');
    await flash.waitFor();
    return (await flash.innerText()).trim();
  }

  async selectRegion(page, value) {
    await Promise.all([page.waitForNavigation(), page.selectOption('#region-selector', value)]);
  }

  async count(locator) {
    return locator.count();
  }
}

module.exports = { World, assert, PASSWORD };
