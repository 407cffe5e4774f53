// After accepting: Remove Image (a rejection), what the consumer is told, the producer seeing
// "Rejected", removing and re-sharing (the notification comes back, also on Create Server), and
// the regions an account may not use.
'use strict';

const { assert } = require('../lib/world');

const NOTICE = '[data-testid="pending-notification"]';

module.exports = [
  {
    name: 'Remove Image: gone from Saved Images, the consumer is told to ask for a re-share, no accept button',
    async run(w) {
      const page = w.consumer;
      await w.go(page, '/images');
      await w.openGear(page, 'tuned-web-server');
      await page.getByRole('menuitem', { name: 'Remove Image' }).click();
      const dialog = page.locator('#confirm-dialog');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /re-share/);
      await w.shot(page, '23-remove-image-confirm');
      await w.clickAndWait(page, dialog.locator('#confirm-button'));
      assert.match(await w.flash(page), /ask the producer \(account 554433\) to re-share it/);
      assert.equal(await w.row(page, 'tuned-web-server').count(), 0);
      assert.equal(await page.locator(NOTICE).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Accept' }).count(), 0);
      await w.shot(page, '24-consumer-after-remove-image');
      await w.go(page, w.state.detail);
      assert.match(await page.locator('[data-testid="consumer-note"]').innerText(), /ask the producer \(account 554433\) to share it again/);
      assert.equal(await page.getByRole('button', { name: 'Accept' }).count(), 0);
      await w.shot(page, '25-consumer-rejected-image-detail');
    },
  },
  {
    name: 'the producer sees "Rejected", removes the consumer and re-shares: the notification comes back',
    async run(w) {
      const page = w.producer;
      await w.go(page, w.state.detail);
      const member = page.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      assert.match(await member.innerText(), /Rejected/);
      await w.shot(page, '26-producer-sees-rejected', true);
      await member.getByRole('button', { name: 'Remove', exact: true }).click();
      await page.locator('#confirm-dialog').waitFor();
      await w.shot(page, '27-remove-consumer-confirm');
      await w.clickAndWait(page, page.locator('#confirm-button'));
      assert.equal(await member.count(), 0);
      await page.locator('.card-head').getByRole('button', { name: 'Share Image' }).click();
      await page.fill('[data-testid="share-account"]', w.CONSUMER.number);
      await w.clickAndWait(page, page.locator('#share-dialog').getByRole('button', { name: 'Share Image' }));
      assert.match(await member.innerText(), /Pending Acceptance/);

      const consumer = w.consumer;
      await w.go(consumer, '/images');
      assert.equal(await consumer.locator(NOTICE).count(), 1, 'the notification is back');
      await w.go(consumer, '/servers/new?region=DFW');
      const notice = consumer.locator('fieldset.image-selector').locator(NOTICE);
      assert.equal(await notice.count(), 1, 'on top of the Create Server image selector');
      await w.shot(consumer, '28-create-server-pending-notification');
      await consumer.click('[data-testid="review-pending"]');
      await consumer.locator('[data-testid="pending-dialog"]').waitFor();
      await w.shot(consumer, '29-create-server-pending-dialog');
      await consumer.getByRole('button', { name: 'Decide later' }).click();
      await w.go(consumer, '/servers/new?region=IAD');
      assert.equal(await consumer.locator(NOTICE).count(), 0, 'not for another region');
    },
  },
  {
    name: 'a region the account may not use is absent from both dropdowns',
    async run(w) {
      const options = async (page, selector) => page.locator(`${selector} option`).evaluateAll((os) => os.map((o) => o.value));
      const consumer = w.consumer;
      await w.go(consumer, '/images');
      assert.deepEqual(await options(consumer, '#region-selector'), ['ALL', 'DFW', 'IAD']);
      await w.go(consumer, '/servers');
      assert.deepEqual(await options(consumer, '#region-selector'), ['ALL', 'DFW', 'IAD']);
      await w.go(consumer, '/servers/new');
      assert.deepEqual(await options(consumer, '[data-testid="server-region"]'), ['DFW', 'IAD']);
      await w.go(consumer, '/images?region=ORD');
      assert.equal(await consumer.locator('#region-selector').inputValue(), 'ALL', 'ORD is not selectable');
      const producer = w.producer;
      await w.go(producer, '/servers/new');
      assert.deepEqual(await options(producer, '[data-testid="server-region"]'), ['DFW', 'IAD', 'ORD']);
    },
  },
  {
    name: 'delete a server from Server List',
    async run(w) {
      const page = w.consumer;
      await w.go(page, '/servers');
      const row = page.locator('table[data-testid="server-list"] tr', { hasText: 'web-from-shared' });
      await row.getByRole('button', { name: 'Delete' }).click();
      await page.locator('#confirm-dialog').waitFor();
      await w.shot(page, '30-delete-server-confirm');
      await w.clickAndWait(page, page.locator('#confirm-button'));
      assert.match(await w.flash(page), /web-from-shared was deleted/);
      assert.equal(await row.count(), 0);
    },
  },
];
