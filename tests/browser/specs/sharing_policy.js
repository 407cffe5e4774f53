// Sharing policy: the consumer's manager enforces a policy trusting the producer on the Sharing
// policy page; the producer's clean image is accepted without a click; an image with a
// preinstalled SSH key stays pending with its reasons in the accept dialog (a member is told a
// manager must override); the manager accepts it anyway with a reason.
'use strict';

const { assert } = require('../lib/world');
const { cleanDisk, webServerDisk } = require('../lib/disk');

const CLEAN = 'policy-clean-base';
const KEYED = 'policy-keyed-web';
const REASON = 'the key is our build system, checked with the producer';

// Waits (at most 30 s) until `check` of the API's answer holds.
async function until(what, read, check) {
  for (let i = 0; i < 150; i += 1) {
    if (check(await read())) { return; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen in time`);
}

// A shared image of the producer with `bytes`, its trust report written, shared with the
// consumer.
async function sharedWithConsumer(w, name, bytes) {
  const token = await w.glint.token(w.PRODUCER.user, w.PASSWORD, w.PRODUCER.account);
  const image = await w.glint.imageWithData(token, 'DFW', { name, visibility: 'shared' }, bytes);
  const base = `/image/DFW/v2/images/${image.id}`;
  await until(`the trust report of ${name}`, () => w.glint.api(token, 'GET', `${base}/glint-inspection`), (r) => r.status === 'complete');
  await w.glint.api(token, 'POST', `${base}/members`, { member: w.CONSUMER.number });
  return image;
}

async function shareStatus(w, image) {
  const token = await w.glint.token(w.CONSUMER.user, w.PASSWORD, w.CONSUMER.account);
  const member = await w.glint.api(token, 'GET', `/image/DFW/v2/images/${image.id}/members/${w.CONSUMER.number}`);
  return member.status;
}

module.exports = [
  {
    name: 'the consumer\'s manager enforces a policy trusting the producer',
    async run(w) {
      const page = w.consumer;
      await w.signIn(page, w.CONSUMER);
      await w.go(page, '/sharing-policy');
      const form = page.locator('[data-testid="policy-form"]');
      assert.ok(await form.locator('[data-testid="mode-off"]').isChecked(), 'no policy yet: Off');
      await form.locator('[data-testid="mode-enforce"]').check();
      await form.locator('[data-testid="add-producer"]').fill(w.PRODUCER.number);
      await w.clickAndWait(page, form.locator('[data-testid="add-producer-submit"]'));
      assert.match(await w.flash(page), /The sharing policy was saved: Enforce, with 1 trusted producer\./);
      assert.equal((await page.locator('[data-testid="trusted-producer"]').innerText()).split(/\s+/)[0], w.PRODUCER.number);
      assert.ok(await page.locator('[data-testid="mode-enforce"]').isChecked());
      assert.equal(await page.locator('[data-testid="rule_ssh_keys"]').inputValue(), 'refuse');
      assert.match(await page.locator('[data-testid="policy-blocked"] h2').innerText(), /What this policy blocks/);
      await w.shot(page, '60-sharing-policy-page', true);
    },
  },
  {
    name: 'the trusted producer\'s clean image is accepted without a click',
    async run(w) {
      const image = await sharedWithConsumer(w, CLEAN, cleanDisk(4));
      await until('the automatic acceptance', () => shareStatus(w, image), (s) => s === 'accepted');
      const page = w.consumer;
      await w.go(page, '/images?region=DFW');
      assert.match(await w.row(page, CLEAN).innerText(), /Shared Image/);
      await w.go(page, `/images/DFW/${image.id}`);
      assert.match(await page.locator('[data-testid="accepted-by-policy"]').innerText(), /sharing policy accepted this image by itself/);
      assert.match(await page.locator('[data-testid="policy-verdict"]').innerText(), /Passes your sharing policy/);
      await w.shot(page, '61-accepted-by-policy');
    },
  },
  {
    name: 'an image with a preinstalled SSH key stays pending with its reasons in the accept dialog',
    async run(w) {
      const image = await sharedWithConsumer(w, KEYED, webServerDisk(6).bytes);
      w.state.keyed = image;
      const page = w.consumer;
      await w.go(page, '/images?region=DFW');
      await page.locator('[data-testid="review-pending"]', { hasText: KEYED }).click();
      const dialog = page.locator(`#pending-${image.id}`);
      await dialog.waitFor();
      const verdict = await dialog.locator('[data-testid="policy-verdict"]').innerText();
      assert.match(verdict, /Refused\s+Preinstalled SSH keys: 1 preinstalled SSH key \(root\)/);
      assert.match(verdict, /Refused\s+Users who can log in with a password/);
      assert.equal(await dialog.getByRole('button', { name: 'Accept', exact: true }).count(), 0, 'no plain Accept');
      assert.ok(await dialog.locator('[data-testid="accept-override"]').isVisible());
      await w.shot(page, '62-accept-dialog-policy-refused');
      assert.equal(await shareStatus(w, image), 'pending');

      const member = w.member;
      await w.signIn(member, w.MEMBER);
      await w.go(member, '/images?region=DFW');
      await member.locator('[data-testid="review-pending"]', { hasText: KEYED }).click();
      const seen = member.locator(`#pending-${image.id}`);
      assert.match(await seen.locator('[data-testid="needs-override"]').innerText(), /Only a manager can accept it anyway/);
      assert.equal(await seen.locator('[data-testid="accept-override"]').count(), 0);

      await w.go(page, '/sharing-policy');
      const row = page.locator('[data-testid="blocked-row"]', { hasText: KEYED });
      assert.match(await row.innerText(), /Pending Acceptance/);
      assert.match(await row.innerText(), /Accepting and booting/);
      await row.scrollIntoViewIfNeeded();
      await w.shot(page, '63-what-the-policy-blocks');
    },
  },
  {
    name: 'the manager accepts it anyway with a reason',
    async run(w) {
      const image = w.state.keyed;
      const page = w.consumer;
      await w.go(page, '/images?region=DFW');
      await page.locator('[data-testid="review-pending"]', { hasText: KEYED }).click();
      const dialog = page.locator(`#pending-${image.id}`);
      await dialog.locator('[data-testid="override-reason"]').fill(REASON);
      await w.clickAndWait(page, dialog.locator('[data-testid="accept-override"]'));
      assert.match(await w.flash(page), new RegExp(`You accepted ${KEYED} against your sharing policy`));
      assert.equal(await shareStatus(w, image), 'accepted');
      assert.match(await w.row(page, KEYED).innerText(), /Shared Image/);
      await w.go(page, '/notifications');
      const list = await page.locator('main').innerText();
      assert.ok(list.includes(`against its sharing policy: ${REASON}`), list);
      assert.ok(list.includes(`sharing policy accepted ${CLEAN}`) || /sharing policy accepted/.test(list), list);
      await w.shot(page, '64-policy-notifications');
    },
  },
];
