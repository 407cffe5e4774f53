// Retiring an image: the producer sees who uses it and the impact before removing a consumer or
// deleting it; deprecates it naming a replacement, which the consumer sees on Create Server, on
// Image Detail and in Server List; removes the consumer on a day, which the consumer sees; then
// cancels the removal and undoes the deprecation.
'use strict';

const { assert } = require('../lib/world');

const OLD = 'retire-web-v1';
const NEW = 'retire-web-v2';

// A day `days` from now, as a date field takes it.
function dayIn(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

// Boots a server from `image` in DFW through the Compute API, as `token`'s account.
async function boot(w, token, image, name) {
  const body = { server: { name, imageRef: image, flavorRef: '1', networks: 'none' } };
  const created = await w.glint.api(token, 'POST', '/compute/DFW/v2.1/servers', body);
  return created.server.id;
}

module.exports = [
  {
    name: 'who uses the image: per consumer, the owner, counts only; the impact in the Remove and Delete confirmations',
    async run(w) {
      const producerToken = await w.glint.token(w.PRODUCER.user, w.PASSWORD, w.PRODUCER.account);
      const consumerToken = await w.glint.token(w.CONSUMER.user, w.PASSWORD, w.CONSUMER.account);
      const data = new Uint8Array(64 * 1024).fill(5);
      const old = await w.glint.imageWithData(producerToken, 'DFW', { name: OLD, visibility: 'shared' }, data);
      const replacement = await w.glint.imageWithData(producerToken, 'DFW', { name: NEW, visibility: 'shared' }, data);
      for (const image of [old, replacement]) {
        await w.glint.api(producerToken, 'POST', `/image/DFW/v2/images/${image.id}/members`, { member: w.CONSUMER.number });
      }
      await w.glint.api(consumerToken, 'PUT', `/image/DFW/v2/images/${old.id}/members/${w.CONSUMER.number}`, { status: 'accepted' });
      await boot(w, consumerToken, old.id, 'consumer-web-1');
      await boot(w, producerToken, old.id, 'producer-web-1');
      w.state.retire = { old: old.id, replacement: replacement.id, detail: `/images/DFW/${old.id}` };

      const producer = w.producer;
      await w.go(producer, w.state.retire.detail);
      const usage = producer.locator('[data-testid="image-usage"]');
      assert.equal((await usage.locator('[data-testid="usage-summary"]').innerText()).trim(), '2 accounts, 2 servers use this image.');
      const consumerRow = usage.locator(`tr[data-usage="${w.CONSUMER.number}"]`);
      assert.match(await consumerRow.innerText(), /Accepted/);
      assert.ok(!(await usage.innerText()).includes('consumer-web-1'), 'no server name of the consumer');
      await usage.scrollIntoViewIfNeeded();
      await w.shot(producer, '47-who-uses-this-image');

      const member = producer.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      await member.getByRole('button', { name: 'Remove', exact: true }).click();
      const dialog = producer.locator('#confirm-dialog');
      await dialog.waitFor();
      const impact = dialog.locator('[data-testid="confirm-impact"]');
      assert.match(await impact.innerText(), new RegExp(`Account ${w.CONSUMER.number} has 1 server from this image, in 1 region; they keep running and can be rebuilt`));
      await w.shot(producer, '48-remove-consumer-impact');
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      await w.go(producer, '/images?region=DFW');
      await w.openGear(producer, OLD);
      await producer.getByRole('menuitem', { name: 'Delete' }).click();
      await producer.waitForFunction(() => /2 accounts, 2 servers use this image/.test(document.querySelector('#confirm-impact').textContent));
      assert.match(await impact.innerText(), /their servers keep running and can be rebuilt; no new servers can be created from it\./);
      await w.shot(producer, '49-delete-image-impact');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    },
  },
  {
    name: 'the producer deprecates it naming the replacement; the consumer sees the notice on Create Server, Image Detail and Server List',
    async run(w) {
      const producer = w.producer;
      const obsolete = dayIn(30);
      w.state.retire.obsolete = obsolete;
      await w.go(producer, w.state.retire.detail);
      const form = producer.locator('[data-testid="deprecate-form"]');
      await form.locator('[data-testid="deprecate-replacement"]').selectOption({ label: NEW });
      await form.locator('[data-testid="deprecate-obsolete"]').fill(obsolete);
      await form.locator('[data-testid="deprecate-message"]').fill(`${NEW} has the security fixes`);
      await w.clickAndWait(producer, form.locator('[data-testid="deprecate-submit"]'));
      assert.match(await w.flash(producer), new RegExp(`${OLD} is deprecated`));
      const notice = `Deprecated: use ${NEW}; no new servers from ${obsolete}`;
      assert.equal((await producer.locator('[data-testid="deprecation-text"]').innerText()).trim(), notice);

      const consumer = w.consumer;
      await w.go(consumer, '/servers/new?region=DFW');
      await consumer.getByRole('tab', { name: 'Saved Images' }).click();
      await consumer.getByRole('tab', { name: 'Shared Images' }).click();
      const choice = consumer.locator('#shared-images label.choice', { hasText: OLD });
      assert.equal((await choice.locator('[data-testid="choice-deprecated"]').innerText()).trim(), notice);
      await w.shot(consumer, '50-create-server-deprecation-notice');

      await w.go(consumer, w.state.retire.detail);
      const note = consumer.locator('[data-testid="deprecation-note"]');
      assert.equal((await note.locator('[data-testid="deprecation-text"]').innerText()).trim(), notice);
      assert.match(await note.innerText(), /has the security fixes/);
      await w.shot(consumer, '51-consumer-image-detail-deprecated');

      await w.go(consumer, '/servers');
      await w.clickAndWait(consumer, consumer.locator('[data-testid="show-deprecated-servers"]'));
      const rows = consumer.locator('table[data-testid="server-list"] tbody tr');
      assert.equal(await rows.count(), 1, 'only the server built from the deprecated image');
      assert.match(await rows.first().innerText(), /consumer-web-1/);
      assert.equal((await rows.first().locator('[data-testid="server-deprecated"]').innerText()).trim(), notice);
      await w.shot(consumer, '52-servers-on-deprecated-images');
    },
  },
  {
    name: 'Remove on a day: the table shows it, the consumer sees when its access ends; cancel, and undo the deprecation',
    async run(w) {
      const producer = w.producer;
      const day = dayIn(14);
      await w.go(producer, w.state.retire.detail);
      const member = producer.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      await member.locator('[data-testid="remove-on-date"]').fill(day);
      await w.clickAndWait(producer, member.locator('[data-testid="remove-on"]'));
      assert.match(await w.flash(producer), new RegExp(`Account ${w.CONSUMER.number}'s access to this image ends on ${day}`));
      assert.equal((await member.locator('[data-testid="remove-at"]').innerText()).trim(), `Access ends ${day}`);
      await member.scrollIntoViewIfNeeded();
      await w.shot(producer, '53-remove-on-date-scheduled');

      const consumer = w.consumer;
      await w.go(consumer, w.state.retire.detail);
      assert.match(await consumer.locator('[data-testid="access-ends"]').innerText(), new RegExp(`^Your access ends on ${day}:`));
      await w.shot(consumer, '54-consumer-access-ends');
      await w.go(consumer, '/images?region=DFW');
      assert.equal((await w.row(consumer, OLD).locator('[data-testid="row-access-ends"]').innerText()).trim(), `Your access ends on ${day}`);

      await w.go(producer, w.state.retire.detail);
      await w.clickAndWait(producer, member.locator('[data-testid="cancel-removal"]'));
      assert.match(await w.flash(producer), /was cancelled; it keeps the image/);
      await w.clickAndWait(producer, producer.locator('[data-testid="undeprecate"]'));
      assert.match(await w.flash(producer), new RegExp(`${OLD} is no longer deprecated`));
      await w.go(consumer, w.state.retire.detail);
      assert.equal(await consumer.locator('[data-testid="access-ends"]').count(), 0);
      assert.equal(await consumer.locator('[data-testid="deprecation-note"]').count(), 0);
    },
  },
];
