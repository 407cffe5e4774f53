// The Account page: a manager adds a user with the member role, who then signs in; that user
// changes its own password, is signed out, and signs in with the new one (the old one fails).
'use strict';

const { assert } = require('../lib/world');

const NEW_USER = { user: 'nora', account: 'acme-images' };
const FIRST = 'nora-first-pass';
const SECOND = 'nora-second-pass';

module.exports = [
  {
    name: 'a manager adds a user with the member role from the Account page, who then signs in',
    async run(w) {
      const page = w.producer;
      // The safety specs signed this page out: sign in again, as the manager.
      await w.signIn(page, w.PRODUCER);
      assert.equal(new URL(page.url()).pathname, '/images');
      await w.clickAndWait(page, page.locator('nav.mainnav a', { hasText: 'Account' }));
      const users = page.locator('[data-testid="account-users"]');
      await users.waitFor();
      assert.equal(await users.locator('tr[data-user="pat"]').count(), 1, 'the manager is listed');
      const form = page.locator('[data-testid="add-user"]');
      await form.locator('input[name="username"]').fill(NEW_USER.user);
      await form.locator('input[name="password"]').fill(FIRST);
      await form.locator('select[name="role"]').selectOption('member');
      await w.clickAndWait(page, form.locator('button[type="submit"]'));
      assert.match(await w.flash(page), /User nora was added with the member role/);
      const row = users.locator('tr[data-user="nora"]');
      assert.equal(await row.locator('select[name="role"]').inputValue(), 'member');
      await w.shot(page, '38-account-users', true);

      w.state.nora = await w.page();
      await w.signIn(w.state.nora, NEW_USER, FIRST);
      assert.equal(new URL(w.state.nora.url()).pathname, '/images', 'nora is signed in');
      assert.match(await w.state.nora.locator('[data-testid="account-user"]').textContent(), /nora \(member\)/);
    },
  },
  {
    name: 'a user changes its own password and signs in with the new one',
    async run(w) {
      const page = w.state.nora;
      await w.go(page, '/account');
      assert.equal(await page.locator('[data-testid="account-users"]').count(), 0, 'a member sees no users');
      const form = page.locator('[data-testid="change-password"]');
      await form.locator('input[name="current"]').fill(FIRST);
      await form.locator('input[name="new"]').fill(SECOND);
      await form.locator('input[name="confirm"]').fill(SECOND);
      await w.shot(page, '39-change-password');
      await w.clickAndWait(page, form.locator('button[type="submit"]'));
      assert.equal(new URL(page.url()).pathname, '/sign-in');
      assert.match(await page.locator('[data-testid="sign-in-notice"]').innerText(), /Your password was changed/);
      await w.signIn(page, NEW_USER, FIRST);
      assert.equal(await page.locator('[data-testid="sign-in-error"]').count(), 1, 'the old password fails');
      await w.signIn(page, NEW_USER, SECOND);
      assert.equal(new URL(page.url()).pathname, '/images', 'the new one works');
    },
  },
];
