// Reports of suspicious images: the consumer reports a shared image from Image Detail, the cloud
// admin opens Image Reports and quarantines the image with a note, and the consumer reads the
// note in its notifications and on Image Detail.
'use strict';

const { assert } = require('../lib/world');
const { ADMIN_PASSWORD } = require('../lib/glint');

const IMAGE = 'reported-web';
const NOTE = 'Ships a credential stealer; see ticket 4411.';

module.exports = [
  {
    name: 'the consumer reports an image, the admin quarantines it with a note, the consumer reads the note',
    async run(w) {
      const producerToken = await w.glint.token(w.PRODUCER.user, w.PASSWORD, w.PRODUCER.account);
      const consumerToken = await w.glint.token(w.CONSUMER.user, w.PASSWORD, w.CONSUMER.account);
      const data = new Uint8Array(64 * 1024).fill(9);
      const image = await w.glint.imageWithData(producerToken, 'DFW', { name: IMAGE, visibility: 'shared' }, data);
      await w.glint.api(producerToken, 'POST', `/image/DFW/v2/images/${image.id}/members`, { member: w.CONSUMER.number });
      await w.glint.api(consumerToken, 'PUT', `/image/DFW/v2/images/${image.id}/members/${w.CONSUMER.number}`, { status: 'accepted' });
      const detail = `/images/DFW/${image.id}`;

      const consumer = w.consumer;
      await w.signIn(consumer, w.CONSUMER);
      await w.go(consumer, detail);
      const report = consumer.locator('[data-testid="report-image"]');
      await report.locator('summary').click();
      const form = report.locator('[data-testid="report-form"]');
      await form.locator('[data-testid="report-reason"]').selectOption('credentials');
      await form.locator('[data-testid="report-comment"]').fill('The root password is "root" and an unknown SSH key is installed.');
      await report.scrollIntoViewIfNeeded();
      await w.shot(consumer, '57-report-image');
      await w.clickAndWait(consumer, form.getByRole('button', { name: 'Send Report' }));
      assert.match(await w.flash(consumer),
        /^Reported\. The cloud's operators will review it; the producer is not told who reported\./);

      const admin = await w.page();
      await w.signIn(admin, { user: 'admin', account: 'admin' }, ADMIN_PASSWORD);
      await w.go(admin, '/images');
      await w.clickAndWait(admin, admin.locator('[data-testid="nav-reports"]'));
      const row = admin.locator('[data-testid="report-row"]', { hasText: IMAGE });
      assert.match(await row.innerText(), /Preinstalled keys or passwords/);
      assert.match(await row.innerText(), new RegExp(`account ${w.CONSUMER.number}`));
      await row.locator('[data-testid="quarantine-note"]').fill(NOTE);
      await w.shot(admin, '58-image-reports');
      await w.clickAndWait(admin, row.locator('[data-testid="quarantine"]'));
      assert.match(await w.flash(admin), new RegExp(`${IMAGE} is quarantined`));

      await w.go(consumer, '/notifications');
      const told = consumer.locator('main', { hasText: "was quarantined by the cloud's operators" });
      await told.waitFor();
      assert.match(await consumer.locator('main').innerText(),
        new RegExp(`${IMAGE} \\(DFW\\) was quarantined by the cloud's operators: ${NOTE.replace(/[.;]/g, '\\$&')}`));
      await w.go(consumer, detail);
      const notice = consumer.locator('[data-testid="quarantine-notice"]');
      assert.match(await notice.innerText(), new RegExp(`Quarantined by the cloud's operators: ${NOTE.replace(/[.;]/g, '\\$&')}`));
      await w.shot(consumer, '59-consumer-quarantine-notice');
    },
  },
];
