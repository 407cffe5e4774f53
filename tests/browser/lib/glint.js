// A real `glint serve` for the browser tests: a temporary data folder, a free port, the admin
// commands to add regions, accounts and users, and the APIs for setup (an admin-made standard
// image, images with properties the panel does not create).
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ADMIN_PASSWORD = 'admin-pass-for-browser-tests';

class Glint {
  constructor(bin) {
    this.bin = bin;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'glint-browser-'));
    this.url = null;
    this.child = null;
    this.log = '';
  }

  // Runs an admin command against the same data folder; `input` goes to standard input.
  admin(args, input) {
    return execFileSync(this.bin, ['--data-dir', this.dataDir, ...args], {
      input: input === undefined ? '' : input,
      encoding: 'utf8',
      env: { ...process.env, RUST_LOG: 'warn' },
    });
  }

  start() {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, ['--data-dir', this.dataDir, 'serve', '--listen', '127.0.0.1:0'], {
        env: { ...process.env, GLINT_ADMIN_PASSWORD: ADMIN_PASSWORD, RUST_LOG: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.child = child;
      const timer = setTimeout(() => reject(new Error('glint serve did not start in 60 s:\n' + this.log)), 60000);
      const onData = (chunk) => {
        this.log += chunk.toString();
        const found = this.log.match(/serving on (http:\/\/[0-9.:]+)/);
        if (found && !this.url) {
          this.url = found[1];
          clearTimeout(timer);
          resolve(this.url);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => {
        if (!this.url) { clearTimeout(timer); reject(new Error(`glint serve exited (${code}):\n${this.log}`)); }
      });
    });
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  // A Keystone token for a user (for API setup steps).
  async token(user, password, account) {
    const response = await fetch(`${this.url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
        scope: { project: { name: account, domain: { name: 'Default' } } },
      } }),
    });
    if (response.status !== 201) { throw new Error(`sign-in of ${user} failed: ${response.status}`); }
    return response.headers.get('x-subject-token');
  }

  adminToken() {
    return this.token('admin', ADMIN_PASSWORD, 'admin');
  }

  // Calls an API with a token; returns the parsed body (or null).
  async api(token, method, apiPath, body, headers) {
    const response = await fetch(`${this.url}${apiPath}`, {
      method,
      headers: { 'x-auth-token': token, ...(body && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}), ...(headers || {}) },
      body: body === undefined ? undefined : (body instanceof Uint8Array ? body : JSON.stringify(body)),
    });
    const text = await response.text();
    if (response.status >= 400) { throw new Error(`${method} ${apiPath}: ${response.status} ${text}`); }
    return text ? JSON.parse(text) : null;
  }

  // Creates an image with data through the Image API.
  async imageWithData(token, region, fields, bytes) {
    const image = await this.api(token, 'POST', `/image/${region}/v2/images`, {
      disk_format: 'raw', container_format: 'bare', ...fields,
    });
    await this.api(token, 'PUT', `/image/${region}/v2/images/${image.id}/file`, bytes, { 'content-type': 'application/octet-stream' });
    return image;
  }
}

module.exports = { Glint, ADMIN_PASSWORD };
