'use strict';
// A self-signed certificate for localhost (openssl), for the tests' https servers and collectors.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Makes a key and certificate in a new temporary directory: { dir, key, cert } (paths); remove dir when done. */
function selfSignedCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracing-agent-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    {
      stdio: 'ignore',
    },
  );
  return { dir, key, cert };
}

module.exports = { selfSignedCert };
