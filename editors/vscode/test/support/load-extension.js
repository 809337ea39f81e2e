'use strict';
// Load the compiled extension (out/) with the fake `vscode` module, and optionally a fake language client, put in
// place of the real modules through Node's module resolution.

const Module = require('node:module');
const path = require('node:path');
const fake = require('./fake-vscode');

const ROOT = path.join(__dirname, '..', '..');
const FAKE_VSCODE = path.join(__dirname, 'fake-vscode-module.js');
const FAKE_CLIENT = path.join(__dirname, 'fake-languageclient.js');
let fakeClient = false;

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveWithFakes(request, ...rest) {
  if (request === 'vscode') return FAKE_VSCODE;
  if (request === 'vscode-languageclient/node' && fakeClient) return FAKE_CLIENT;
  return resolve.call(this, request, ...rest);
};

/** The extension's compiled entry point; `fakeLanguageClient` swaps vscode-languageclient/node for a recorder. */
function loadExtension({ fakeLanguageClient = true } = {}) {
  fakeClient = fakeLanguageClient;
  return require(path.join(ROOT, 'out', 'extension.js'));
}

/** A fresh fake state, then activate(); returns {extension, api, context, state}. */
function activate(options = {}) {
  fake.reset(options);
  const extension = loadExtension();
  const context = { subscriptions: [] };
  const api = extension.activate(context);
  return { extension, api, context, state: fake.state };
}

/** A debug session as VS Code hands it to the extension. */
function session({ type = 'lambda', name = 'session', configuration = {}, folder, parentSession, customRequest } = {}) {
  return {
    id: `${name}-${Math.random().toString(16).slice(2)}`,
    type,
    name,
    configuration: { type, name, request: 'launch', ...configuration },
    workspaceFolder: folder,
    parentSession,
    requests: [],
    customRequest(command, args) {
      this.requests.push({ command, args });
      return customRequest ? customRequest(command, args) : Promise.resolve({ outcome: 'success', exitCode: 0, payload: '{}' });
    },
  };
}

module.exports = { ROOT, activate, loadExtension, session, fake };
