'use strict';
// A recorder in place of vscode-languageclient/node: every client the extension makes, and what it was asked.

const clients = [];

class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: 0, stopped: 0 });
    clients.push(this);
  }
  start() { this.started++; return LanguageClient.startResult ? LanguageClient.startResult(this) : Promise.resolve(); }
  stop() { this.stopped++; return Promise.resolve(); }
}
LanguageClient.startResult = undefined;

module.exports = { LanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 }, clients };
