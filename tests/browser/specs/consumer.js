// The consumer's side: the pending-share notification by region, deciding later, a member who
// may not answer, accepting, finding the image in Saved Images and Create Server, booting a
// server from it, and the producer seeing the answer.
'use strict';

const { assert } = require('../lib/world');

const NOTICE = '[data-testid="pending-notification"]';

module.exports = [
  {
    name: 'the notification shows under All Regions (Global) and the image region, not in another region',
    async run(w) {
      const page = w.consumer;
      await w.signIn(page, w.CONSUMER);
      await w.go(page, '/images');
      assert.equal(await page.locator('#region-selector').inputValue(), 'ALL');
      assert.equal(await page.locator(NOTICE).count(), 1, 'All Regions (Global)');
      assert.match(await page.locator(NOTICE).innerText(), /tuned-web-server/);
      await w.shot(page, '13-consumer-notification-all-regions');
      await w.selectRegion(page, 'DFW');
      assert.equal(await page.locator(NOTICE).count(), 1, 'the image region');
      await w.selectRegion(page, 'IAD');
      assert.equal(await page.locator(NOTICE).count(), 0, 'another region');
      await w.shot(page, '14-consumer-other-region-no-notification');
      await w.selectRegion(page, 'ALL');
    },
  },
  {
    name: 'the dialog shows the share and the warning; closing it keeps the notification',
    async run(w) {
      const page = w.consumer;
      await page.click('[data-testid="review-pending"]');
      const dialog = page.locator('[data-testid="pending-dialog"]');
      await dialog.waitFor();
      const text = await dialog.innerText();
      for (const expected of [w.PRODUCER.number, 'tuned-web-server', 'DFW', '6.0 MB', '/etc/passwd', 'SSH keys', 'completely trust']) {
        assert.ok(text.includes(expected), `dialog shows ${expected}`);
      }
      // What Glint found inside the image comes first: the preinstalled key and the password login.
      const summary = dialog.locator('[data-testid="trust-summary"]');
      assert.equal(await summary.getAttribute('data-state'), 'complete');
      const warnings = await summary.locator('[data-testid="trust-warnings"] li').allInnerTexts();
      assert.deepEqual(warnings.slice(0, 2), ['1 preinstalled SSH key (root)', 'user deploy can log in with a password']);
      assert.match(await summary.innerText(), /Tuned Web Server 2\.1/);
      await w.shot(page, '15-pending-share-dialog');
      await dialog.getByRole('button', { name: 'Decide later' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await page.locator(NOTICE).count(), 1);
      await page.reload();
      assert.equal(await page.locator(NOTICE).count(), 1, 'still there after a reload');
    },
  },
  {
    name: 'a user with only the member role sees the notification but cannot accept',
    async run(w) {
      const page = w.member;
      await w.signIn(page, w.MEMBER);
      await w.go(page, '/images');
      assert.equal(await page.locator(NOTICE).count(), 1);
      await page.click('[data-testid="review-pending"]');
      const dialog = page.locator('[data-testid="pending-dialog"]');
      await dialog.waitFor();
      assert.ok(await dialog.getByRole('button', { name: 'Accept' }).isDisabled());
      assert.ok(await dialog.getByRole('button', { name: 'Reject' }).isDisabled());
      assert.match(await dialog.locator('[data-testid="needs-manager"]').innerText(), /account admin/);
      await w.shot(page, '16-member-cannot-accept');
      await dialog.getByRole('button', { name: 'Decide later' }).click();
    },
  },
  {
    name: 'Accept: the notification goes, the image is a "Shared Image" in Saved Images and under Create Server > Saved Images > Shared Images',
    async run(w) {
      const page = w.consumer;
      await w.go(page, '/images');
      await page.click('[data-testid="review-pending"]');
      await w.clickAndWait(page, page.locator('[data-testid="pending-dialog"]').getByRole('button', { name: 'Accept' }));
      assert.match(await w.flash(page), /You accepted tuned-web-server/);
      assert.equal(await page.locator(NOTICE).count(), 0);
      const row = w.row(page, 'tuned-web-server');
      assert.match(await row.innerText(), /Shared Image/);
      await w.shot(page, '17-consumer-saved-images-shared-image');
      await w.openGear(page, 'tuned-web-server');
      await page.getByRole('menuitem', { name: 'Remove Image' }).waitFor();
      assert.equal(await page.getByRole('menuitem', { name: 'Share Image' }).count(), 0, 'shared images have only Remove Image');
      await w.shot(page, '18-gear-menu-shared-image');
      await page.click('h1');

      await w.go(page, '/servers/new?region=DFW');
      await w.shot(page, '19-create-server-standard-images');
      await page.getByRole('tab', { name: 'Saved Images' }).click();
      await page.getByRole('tab', { name: 'Shared Images' }).click();
      const shared = page.locator('#shared-images');
      assert.match(await shared.innerText(), /tuned-web-server/);
      await w.shot(page, '20-create-server-shared-images');
    },
  },
  {
    name: 'boot a server from the shared image; Server List shows it',
    async run(w) {
      const page = w.consumer;
      await page.fill('[data-testid="server-name"]', 'web-from-shared');
      await page.locator('#shared-images label.choice', { hasText: 'tuned-web-server' }).click();
      await page.selectOption('[data-testid="server-flavor"]', { label: 'm1.small — 1 vCPU, 2048 MB RAM, 20 GB disk' });
      await w.clickAndWait(page, page.locator('[data-testid="create-server-submit"]'));
      assert.match(new URL(page.url()).pathname, /^\/servers$/);
      assert.match(await w.flash(page), /web-from-shared is being built/);
      const row = page.locator('table[data-testid="server-list"] tr', { hasText: 'web-from-shared' });
      const text = await row.innerText();
      for (const expected of ['tuned-web-server', 'm1.small', 'DFW']) { assert.ok(text.includes(expected), expected); }
      await page.waitForTimeout(500);
      await page.reload();
      await w.shot(page, '21-server-list');
    },
  },
  {
    name: 'the producer\'s Image Sharing table shows "Accepted"',
    async run(w) {
      const page = w.producer;
      await w.go(page, w.state.detail);
      assert.match(await page.locator(`tr[data-member="${w.CONSUMER.number}"]`).innerText(), /Accepted/);
      await w.shot(page, '22-producer-sees-accepted', true);
    },
  },
];
