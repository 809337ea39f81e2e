'use strict';
// An adapter in server mode: `<command> --port 0`, its port read from the line it prints on stderr
// ("... listening on 127.0.0.1:PORT"), so no port is guessed.

const { spawn } = require('node:child_process');

/** Start `command --port 0` (a shell command line); resolve with {port, process, stderr()} once it listens. */
function startServer(command, { timeoutMs = 15000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `exec ${command} --port 0`], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} --port 0 did not say where it listens within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (found) {
        clearTimeout(timer);
        resolve({ port: Number(found[1]), process: child, stderr: () => stderr, stdout: () => stdout });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} --port 0 exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
}

/** Send `signal` and resolve with the exit code (or signal name); reject if it has not exited within `ms`. */
function stopServer(server, { signal = 'SIGINT', ms = 5000 } = {}) {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not exit within ${ms} ms of ${signal}:\n${server.stderr()}`));
    }, ms);
    child.once('exit', (code, sig) => { clearTimeout(timer); resolve(code ?? sig); });
    child.kill(signal);
  });
}

module.exports = { startServer, stopServer };
