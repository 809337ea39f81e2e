'use strict';
// Loopback ports for adapters in server mode that need one given (debugpy's adapter: `--port N`).

const net = require('node:net');

/** A port free on 127.0.0.1 right now (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

module.exports = { freePort };
