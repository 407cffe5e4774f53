// The inbox: the consumer's bell counts a new share, the Notifications page names the producer
// and the image, and opening the event opens the accept dialog (after which the bell no longer
// counts it); the producer's Send reminder, its confirmation and the next allowed time; no
// reminder for an answered share.
'use strict';

const { assert } = require('../lib/world');

const IMAGE = 'inbox-demo-server';
const BELL = '[data-testid="bell-count"]';

// Waits until Glint has finished the image's trust report, so that its event cannot arrive
// after the share and change the count the spec expects.
async function reportDone(w, token, id) {
  for (let i = 0; i < 100; i += 1) {
    const report = await w.glint.api(token, 'GET', `/image/DFW/v2/images/${id}/glint-inspection`);
    if (report.status !== 'pending') { return; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the trust report did not finish in 10 s');
}

module.exports = [
  {
    name: 'the consumer\'s bell shows 1 for a new share; Notifications names the producer and the image',
    async run(w) {
      const consumer = w.consumer;
      // The safety specs ended this session: sign in again, and start from a read inbox.
      await w.signIn(consumer, w.CONSUMER);
      await w.go(consumer, '/notifications');
      if (await consumer.locator('[data-testid="mark-all-read"]').count() > 0) {
        await w.clickAndWait(consumer, consumer.locator('[data-testid="mark-all-read"]'));
        assert.match(await w.flash(consumer), /marked as read/);
      }
      assert.equal(await consumer.locator(BELL).count(), 0, 'nothing unread');

      const producer = w.producer;
      const token = await w.glint.token(w.PRODUCER.user, w.PASSWORD, w.PRODUCER.account);
      const image = await w.glint.imageWithData(token, 'DFW', { name: IMAGE, visibility: 'shared' }, new Uint8Array(64 * 1024).fill(3));
      await reportDone(w, token, image.id);
      w.state.inbox = { id: image.id, detail: `/images/DFW/${image.id}` };
      await w.go(producer, w.state.inbox.detail);
      await producer.locator('.card-head').getByRole('button', { name: 'Share Image' }).click();
      await producer.fill('[data-testid="share-account"]', w.CONSUMER.number);
      await w.clickAndWait(producer, producer.locator('#share-dialog').getByRole('button', { name: 'Share Image' }));
      assert.match(await producer.locator(`tr[data-member="${w.CONSUMER.number}"]`).innerText(), /Pending Acceptance/);

      await w.go(consumer, '/images');
      assert.equal((await consumer.locator(BELL).innerText()).trim(), '1');
      await w.shot(consumer, '40-bell-one-unread');
      await w.clickAndWait(consumer, consumer.locator('[data-testid="bell"]'));
      assert.equal(new URL(consumer.url()).pathname, '/notifications');
      const first = consumer.locator('[data-testid="notification"]').first();
      assert.equal(await first.getAttribute('data-unread'), '1');
      const text = await first.innerText();
      assert.ok(text.includes(`Account ${w.PRODUCER.number} shared ${IMAGE} (DFW) with you`), text);
      await w.shot(consumer, '41-notifications-page');
    },
  },
  {
    name: 'opening the event opens the accept dialog, and the bell no longer counts it',
    async run(w) {
      const consumer = w.consumer;
      const first = consumer.locator('[data-testid="notification"]').first();
      await w.clickAndWait(consumer, first.locator('[data-testid="open-notification"]'));
      assert.equal(new URL(consumer.url()).pathname, '/images');
      const dialog = consumer.locator(`dialog#pending-${w.state.inbox.id}`);
      await dialog.waitFor();
      assert.ok(await dialog.evaluate((d) => d.open), 'the dialog is open');
      const text = await dialog.innerText();
      assert.ok(text.includes(IMAGE) && text.includes(w.PRODUCER.number), text);
      assert.ok(await dialog.getByRole('button', { name: 'Accept' }).isEnabled());
      await w.shot(consumer, '42-notification-opens-accept-dialog');
      assert.equal(await consumer.locator(BELL).count(), 0, 'read now');
      await dialog.getByRole('button', { name: 'Decide later' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await w.go(consumer, '/notifications');
      assert.equal(await consumer.locator('[data-testid="notification"]').first().getAttribute('data-unread'), '0');
    },
  },
  {
    name: 'Send reminder confirms with the next allowed time; a second one is refused until then',
    async run(w) {
      const producer = w.producer;
      await w.go(producer, w.state.inbox.detail);
      const row = producer.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      assert.match(await producer.locator('[data-testid="reminder-rules"]').innerText(), /at most one every 7 days and 3 per share/);
      await w.clickAndWait(producer, row.locator('[data-testid="send-reminder"]'));
      assert.match(await w.flash(producer), new RegExp(`Reminder 1 of 3 sent to account ${w.CONSUMER.number}; the next may be sent on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`));
      await w.shot(producer, '43-reminder-sent', true);
      await w.clickAndWait(producer, row.locator('[data-testid="send-reminder"]'));
      const refused = producer.locator('[data-testid="flash"]');
      assert.match(await refused.getAttribute('class'), /flash-error/);
      assert.match(await w.flash(producer), /the next may be sent at \d{4}-\d\d-\d\dT/);
      await w.shot(producer, '44-reminder-refused-until-next');

      const consumer = w.consumer;
      await w.go(consumer, '/notifications');
      assert.equal((await consumer.locator(BELL).innerText()).trim(), '1');
      assert.match(await consumer.locator('[data-testid="notification"]').first().innerText(), new RegExp(`Account ${w.PRODUCER.number} reminded you of ${IMAGE} \\(DFW\\)`));
    },
  },
  {
    name: 'answered shares have no Send reminder: a rejection, and an acceptance',
    async run(w) {
      const consumer = w.consumer;
      await w.go(consumer, '/images?region=DFW');
      await consumer.locator('[data-testid="pending-notification"] [data-testid="review-pending"]', { hasText: IMAGE }).click();
      await w.clickAndWait(consumer, consumer.locator(`dialog#pending-${w.state.inbox.id}`).getByRole('button', { name: 'Reject' }));
      assert.match(await w.flash(consumer), new RegExp(`You rejected ${IMAGE}`));
      await consumer.locator('[data-testid="review-pending"]', { hasText: 'tuned-web-server' }).click();
      await w.clickAndWait(consumer, consumer.locator(`dialog#pending-${w.state.shared.id}`).getByRole('button', { name: 'Accept' }));

      const producer = w.producer;
      await w.go(producer, w.state.inbox.detail);
      const rejected = producer.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      assert.match(await rejected.innerText(), /Rejected/);
      assert.equal(await rejected.locator('[data-testid="send-reminder"]').count(), 0);
      assert.match(await rejected.locator('[data-testid="rejected-hint"]').innerText(), /don't take it personally/);
      await w.shot(producer, '45-rejected-no-reminder', true);
      await w.go(producer, w.state.detail);
      const accepted = producer.locator(`tr[data-member="${w.CONSUMER.number}"]`);
      assert.match(await accepted.innerText(), /Accepted/);
      assert.equal(await accepted.locator('[data-testid="send-reminder"]').count(), 0);
      await w.go(producer, '/notifications');
      const texts = await producer.locator('[data-testid="notification"]').allInnerTexts();
      assert.ok(texts.some((t) => t.includes(`Account ${w.CONSUMER.number} rejected your image ${IMAGE} (DFW)`)), texts.join('\n'));
      assert.ok(texts.some((t) => t.includes(`Account ${w.CONSUMER.number} accepted your image tuned-web-server (DFW)`)), texts.join('\n'));
      await w.shot(producer, '46-producer-notifications');
    },
  },
];
