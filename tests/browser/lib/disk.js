// Real disk images for the specs, built with the system's tools: Glint inspects uploads and
// reads every image's filesystem for its trust report, so the shared image is a real ext4 disk
// with a preinstalled SSH key and a user who can log in with a password, and a clean one has
// neither.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FILES = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ndeploy:x:1000:1000:Deploy:/home/deploy:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
  'etc/shadow': 'root:*:19700:0:99999:7:::\ndeploy:$6$saltsalt$0123456789abcdef:19700:0:99999:7:::\nwww-data:*:19700:0:99999:7:::\n',
  'etc/os-release': 'PRETTY_NAME="Tuned Web Server 2.1"\nNAME="Tuned Web Server"\nVERSION_ID="2.1"\nID=tuned\n',
  'var/www/index.html': '<h1>tuned</h1>\n',
};

// A raw ext4 disk of `mib` MiB holding `files` (path: content).
function ext4Disk(files, mib) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glint-disk-'));
  try {
    const tree = path.join(dir, 'tree');
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
      fs.writeFileSync(path.join(tree, name), content);
    }
    const image = path.join(dir, 'disk.img');
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', tree, image, `${mib}M`]);
    return fs.readFileSync(image);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A raw ext4 disk of `mib` MiB whose root account has a preinstalled SSH key. Returns the
// bytes and the key's fingerprint as `ssh-keygen -lf` prints it.
function webServerDisk(mib) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glint-key-'));
  try {
    const key = path.join(dir, 'builder_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'builder@image-factory', '-f', key]);
    const files = { ...FILES, 'root/.ssh/authorized_keys': fs.readFileSync(`${key}.pub`, 'utf8') };
    const fingerprint = execFileSync('ssh-keygen', ['-lf', `${key}.pub`], { encoding: 'utf8' }).split(/\s+/)[1];
    return { bytes: ext4Disk(files, mib), fingerprint };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A raw ext4 disk of `mib` MiB with nothing a sharing policy refuses: no SSH keys, no password
// logins, root locked.
function cleanDisk(mib) {
  return ext4Disk({
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
    'etc/shadow': 'root:*:19700:0:99999:7:::\nwww-data:*:19700:0:99999:7:::\n',
    'etc/os-release': 'PRETTY_NAME="Base Image 1.0"\nNAME="Base Image"\nVERSION_ID="1.0"\nID=base\n',
  }, mib);
}

module.exports = { webServerDisk, cleanDisk };
