// Safety: hostile names render as text, a post without the CSRF token is refused, signing out,
// and an expired session going back to the sign-in page.
'use strict';

const { assert } = require('../lib/world');

const HOSTILE = '<img src=x onerror=alert(1)>';

module.exports = [
  {
    name: 'an image named <img src=x onerror=alert(1)> renders as text',
    async run(w) {
      const page = w.producer;
      await w.go(page, '/images');
      await page.click('[data-testid="upload-open"]');
      await page.fill('[data-testid="upload-name"]', HOSTILE);
      await page.selectOption('[data-testid="upload-region"]', 'DFW');
      await page.setInputFiles('[data-testid="upload-file"]', { name: 'x.img', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2048, 1) });
      // Left at qcow2, these bytes are refused with the reason, and no empty image is left.
      await page.click('[data-testid="upload-submit"]');
      await page.waitForFunction(() => /does not match stream data/.test(document.querySelector('#upload-form .form-error').textContent));
      await w.shot(page, '37-upload-refused-format');
      await page.selectOption('select[name="disk_format"]', 'raw');
      await w.clickAndWait(page, page.locator('[data-testid="upload-submit"]'));
      assert.equal(await page.locator('.image-name', { hasText: HOSTILE }).count(), 1, 'only the raw upload is listed');
      const link = page.locator('.image-name', { hasText: HOSTILE });
      assert.equal(await link.innerText(), HOSTILE);
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      await w.shot(page, '31-hostile-name-as-text');
      await w.clickAndWait(page, link);
      assert.equal(await page.locator('[data-testid="image-title"]').innerText(), HOSTILE);
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      assert.deepEqual(w.alerts, [], 'no script ran');
      w.state.hostileDetail = new URL(page.url()).pathname;
    },
  },
  {
    name: 'a form post without the CSRF token is refused',
    async run(w) {
      const page = w.producer;
      const target = `${w.state.detail}/delete`;
      const plain = await page.request.post(target, { form: { next: '/images' }, maxRedirects: 0 });
      assert.equal(plain.status(), 403);
      assert.match(await plain.text(), /did not come from the Control Panel/);
      const forged = await page.request.post(target, { form: { csrf: 'forged' }, headers: { 'x-csrf-token': 'forged' }, maxRedirects: 0 });
      assert.equal(forged.status(), 403);
      await w.go(page, w.state.detail);
      await page.evaluate((action) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        document.body.appendChild(form);
        form.submit();
      }, target);
      await page.waitForURL((url) => url.pathname === target);
      assert.match(await page.locator('[data-testid="error-message"]').innerText(), /did not come from the Control Panel/);
      await w.shot(page, '32-csrf-refused');
      await w.go(page, w.state.detail);
      assert.match(await page.locator('[data-testid="image-title"]').innerText(), /tuned-web-server/, 'the image is still there');
    },
  },
  {
    name: 'Image Detail shows properties; an unknown image is a clear 404 page',
    async run(w) {
      const page = w.producer;
      await w.go(page, w.state.detail);
      const props = await page.locator('[data-testid="properties"]').innerText();
      for (const expected of ['Image ID', w.state.shared.id, 'raw', 'Virtual size', 'Checksum (MD5)']) { assert.ok(props.includes(expected), expected); }
      const report = page.locator('[data-testid="trust-report"]');
      assert.match(await report.locator('[data-testid="trust-warnings"]').innerText(), /1 preinstalled SSH key \(root\)/);
      assert.ok((await report.locator('[data-testid="trust-keys"]').innerText()).includes(w.state.diskKey), 'the key fingerprint from ssh-keygen -lf');
      assert.match(await report.locator('[data-testid="trust-users"]').innerText(), /deploy/);
      assert.match(await report.innerText(), /Tuned Web Server 2\.1/);
      await w.shot(page, '33-image-detail', true);
      const response = await page.goto('/images/DFW/00000000-0000-4000-8000-000000000000');
      assert.equal(response.status(), 404);
      await w.shot(page, '34-image-not-found');
    },
  },
  {
    name: 'sign out revokes the session; an expired session returns to sign-in with a message',
    async run(w) {
      const page = w.producer;
      await w.go(page, '/images');
      await page.click('.account-button');
      await w.clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
      assert.match(await page.locator('[data-testid="sign-in-notice"]').innerText(), /signed out/);
      await w.shot(page, '35-signed-out');
      await w.go(page, '/images');
      assert.match(page.url(), /\/sign-in$/);

      const consumer = w.consumer;
      const session = (await consumer.context().cookies()).find((c) => c.name === 'glint_session');
      await w.glint.api(session.value, 'DELETE', '/identity/v3/auth/tokens', undefined, { 'x-subject-token': session.value });
      await w.go(consumer, '/images');
      assert.match(consumer.url(), /\/sign-in\?expired=1$/);
      assert.match(await consumer.locator('[data-testid="sign-in-notice"]').innerText(), /session has expired/);
      await w.shot(consumer, '36-session-expired');
    },
  },
];
