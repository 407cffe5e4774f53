// Groups of accounts: the producer creates a group holding the consumer's account on the Groups
// page, shares an image with it from Image Detail, and the consumer sees the pending share.
'use strict';

const { assert } = require('../lib/world');

const GROUP = 'lab-partners';
const IMAGE = 'group-web';

module.exports = [
  {
    name: 'the producer creates a group with the consumer and shares an image with it; the consumer sees it pending',
    async run(w) {
      const producerToken = await w.glint.token(w.PRODUCER.user, w.PASSWORD, w.PRODUCER.account);
      const data = new Uint8Array(64 * 1024).fill(7);
      const image = await w.glint.imageWithData(producerToken, 'DFW', { name: IMAGE, visibility: 'shared' }, data);

      const producer = w.producer;
      await w.go(producer, '/groups');
      const form = producer.locator('[data-testid="create-group"]');
      await form.locator('[data-testid="group-name"]').fill(GROUP);
      await form.locator('[data-testid="group-accounts"]').fill(`${w.CONSUMER.number}, `);
      await w.clickAndWait(producer, form.getByRole('button', { name: 'Create Group' }));
      assert.match(await w.flash(producer), new RegExp(`Group ${GROUP} was created with 1 account`));
      const row = producer.locator('[data-testid="group-row"]', { hasText: GROUP });
      assert.match(await row.innerText(), new RegExp(w.CONSUMER.number));
      await w.shot(producer, '55-groups-page');

      await w.go(producer, `/images/DFW/${image.id}`);
      const share = producer.locator('[data-testid="share-with-group"]');
      await share.locator('[data-testid="share-group"]').selectOption({ label: GROUP });
      await w.clickAndWait(producer, share.getByRole('button', { name: 'Share with Group' }));
      assert.match(await w.flash(producer), new RegExp(`shared with group ${GROUP} \\(1 account`));
      const shared = producer.locator('[data-testid="group-share"]', { hasText: GROUP });
      assert.match(await shared.innerText(), new RegExp(`Shared with group ${GROUP} \\(1 account\\)`));
      await shared.scrollIntoViewIfNeeded();
      await w.shot(producer, '56-share-with-group');

      const consumer = w.consumer;
      await w.go(consumer, '/images?region=DFW');
      const pending = consumer.locator('[data-testid="pending-notification"]');
      await pending.waitFor();
      assert.match(await pending.innerText(), new RegExp(IMAGE));
      assert.match(await pending.innerText(), new RegExp(`from account ${w.PRODUCER.number}`));
    },
  },
];
