// The producer's side: signing in, the Account menu, uploading an image with a progress bar,
// and sharing it by account number from the Share Image dialog.
'use strict';

const { assert } = require('../lib/world');
const { webServerDisk } = require('../lib/disk');

module.exports = [
  {
    name: 'sign-in page, a refused sign-in, and the Account menu with the account number',
    async run(w) {
      const page = w.producer;
      await w.go(page, '/');
      assert.match(page.url(), /\/sign-in$/);
      await w.shot(page, '01-sign-in');
      await w.signIn(page, w.PRODUCER, 'not-the-password');
      const error = await page.locator('[data-testid="sign-in-error"]').innerText();
      assert.match(error, /not correct/);
      await w.shot(page, '02-sign-in-refused');
      await w.signIn(page, w.PRODUCER);
      assert.match(page.url(), /\/images$/);
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === 'glint_session');
      assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'HttpOnly, SameSite=Lax session cookie');
      await page.click('.account-button');
      assert.equal(await page.locator('[data-testid="account-number"]').innerText(), w.PRODUCER.number);
      assert.equal(await page.locator('[data-testid="account-name"]').innerText(), w.PRODUCER.account);
      assert.match(await page.locator('[data-testid="account-user"]').innerText(), /pat/);
      await w.shot(page, '03-account-menu');
      await page.click('h1');
    },
  },
  {
    name: 'producer uploads an image from a file, with a progress bar',
    async run(w) {
      const page = w.producer;
      await w.go(page, '/images');
      await page.click('[data-testid="upload-open"]');
      await page.fill('[data-testid="upload-name"]', 'tuned-web-server');
      await page.selectOption('[data-testid="upload-region"]', 'DFW');
      await page.selectOption('select[name="disk_format"]', 'raw');
      // A real ext4 disk with a preinstalled root SSH key: its trust report must say so.
      const disk = webServerDisk(6);
      w.state.diskKey = disk.fingerprint;
      await page.setInputFiles('[data-testid="upload-file"]', {
        name: 'tuned-web-server.img', mimeType: 'application/octet-stream', buffer: disk.bytes,
      });
      await w.shot(page, '04-upload-dialog');
      // Slow the upload down so that the progress bar can be seen moving.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1.5 * 1024 * 1024,
      });
      const navigated = page.waitForNavigation({ timeout: 60000 });
      await page.click('[data-testid="upload-submit"]');
      await page.waitForFunction(() => {
        const label = document.querySelector('.progress-label');
        const match = label && label.textContent.match(/(\d+)%/);
        return match && Number(match[1]) >= 35 && Number(match[1]) < 100;
      }, null, { timeout: 30000 });
      await page.screenshot({ path: require('node:path').join(w.shots, '05-upload-progress.png') });
      await navigated;
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
      assert.match(await w.flash(page), /tuned-web-server is uploaded/);
      const row = w.row(page, 'tuned-web-server');
      assert.match(await row.innerText(), /Saved Image/);
      assert.match(await row.innerText(), /Active/);
      assert.match(await row.innerText(), /6\.0 MB/);
      w.state.shared = { id: await row.getAttribute('data-image-id'), region: 'DFW', name: 'tuned-web-server' };
      w.state.detail = `/images/DFW/${w.state.shared.id}`;
      await w.shot(page, '06-saved-images-producer');
    },
  },
  {
    name: 'Share Image checks the account number: empty, own account, then shares; Image Sharing shows "Pending Acceptance"',
    async run(w) {
      const page = w.producer;
      await w.go(page, '/images');
      await w.openGear(page, 'tuned-web-server');
      await w.shot(page, '07-gear-menu-own-image');
      await page.getByRole('menuitem', { name: 'Share Image' }).click();
      const dialog = page.locator('#share-dialog');
      await dialog.waitFor();
      await w.shot(page, '08-share-dialog');
      const error = dialog.locator('#share-form .form-error');
      await dialog.getByRole('button', { name: 'Share Image' }).click();
      await error.waitFor();
      assert.match(await error.innerText(), /Enter the account number/);
      await page.fill('[data-testid="share-account"]', w.PRODUCER.number);
      await dialog.getByRole('button', { name: 'Share Image' }).click();
      await page.waitForFunction(() => /own account number/.test(document.querySelector('#share-form .form-error').textContent));
      await w.shot(page, '09-share-dialog-own-account');
      await page.fill('[data-testid="share-account"]', w.CONSUMER.number);
      await w.clickAndWait(page, dialog.getByRole('button', { name: 'Share Image' }));
      assert.equal(new URL(page.url()).pathname, w.state.detail);
      const member = page.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      assert.match(await member.innerText(), /Pending Acceptance/);
      await w.shot(page, '10-image-detail-pending-acceptance', true);
    },
  },
  {
    name: 'sharing again is refused as already shared (409)',
    async run(w) {
      const page = w.producer;
      await w.go(page, w.state.detail);
      await page.locator('.card-head').getByRole('button', { name: 'Share Image' }).click();
      await page.fill('[data-testid="share-account"]', w.CONSUMER.number);
      await page.locator('#share-dialog').getByRole('button', { name: 'Share Image' }).click();
      await page.waitForFunction(() => /already shared with account/.test(document.querySelector('#share-form .form-error').textContent));
      await w.shot(page, '11-share-dialog-already-shared');
      await page.locator('#share-dialog [data-close]').first().click();
    },
  },
  {
    name: 'an image that is not shared explains how to make it shareable',
    async run(w) {
      const page = w.producer;
      const token = await w.glint.token(w.PRODUCER.user, w.PASSWORD, w.PRODUCER.account);
      await w.glint.imageWithData(token, 'DFW', { name: 'private-build-box', visibility: 'private' }, new Uint8Array(4096));
      await w.go(page, '/images');
      await w.openGear(page, 'private-build-box');
      await page.getByRole('menuitem', { name: 'Share Image' }).click();
      const note = page.locator('[data-testid="not-shareable"]');
      await note.waitFor();
      assert.match(await note.innerText(), /visibility is private/);
      assert.ok(!(await page.locator('[data-testid="share-account"]').isVisible()));
      await w.shot(page, '12-share-dialog-not-shareable');
      await w.clickAndWait(page, page.getByRole('button', { name: 'Make Image Shareable' }));
      assert.match(await w.flash(page), /now shareable/);
      await w.openGear(page, 'private-build-box');
      await page.getByRole('menuitem', { name: 'Share Image' }).click();
      await page.locator('[data-testid="share-account"]').waitFor();
      await page.locator('#share-dialog [data-close]').first().click();
    },
  },
];
