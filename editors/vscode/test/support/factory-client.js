'use strict';
// @vscode/debugadapter-testsupport's DebugClient over the adapter process a DebugAdapterExecutable describes,
// spawned the way VS Code spawns it: the command, its arguments and options as they are, no shell in between
// (DebugClient itself would spawn `runtime executable`, one argument only).

const cp = require('node:child_process');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

/** What VS Code sends as `initialize`'s arguments (the reverse requests off: DebugClient cannot answer them). */
const VSCODE_INITIALIZE = {
  clientID: 'vscode', clientName: 'Visual Studio Code', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true,
  supportsVariableType: true, supportsVariablePaging: true, supportsRunInTerminalRequest: false, locale: 'en',
  supportsProgressReporting: true, supportsInvalidatedEvent: true, supportsMemoryReferences: true,
};

class FactoryDebugClient extends DebugClient {
  constructor(descriptor, debugType, timeout = 15000) {
    super(descriptor.command, '', debugType);
    this.descriptor = descriptor;
    this.defaultTimeout = timeout;
    this.stderr = '';
  }

  /** Spawn `descriptor.command ...descriptor.args` in descriptor.options.cwd and talk DAP over its stdio. */
  start() {
    const { command, args, options = {} } = this.descriptor;
    const child = cp.spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...(options.env || {}) } });
    this._adapterProcess = child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stderr.on('data', (chunk) => { this.stderr += chunk.toString('utf8'); });
    child.on('error', (error) => { this.stderr += `spawn error: ${error.message}\n`; });
    this.connect(child.stdout, child.stdin);
    return Promise.resolve();
  }

  initialize() {
    return this.within(this.initializeRequest({ ...VSCODE_INITIALIZE, adapterID: this._debugType }), 'initialize response');
  }

  /** `promise`, or a rejection naming `what` and the adapter's stderr if the adapter exits first. */
  within(promise, what) {
    const gone = this.exited.then(({ code, signal }) => {
      throw new Error(`the adapter exited (code ${code}, signal ${signal}) before the ${what}; stderr:\n${this.stderr}`);
    });
    gone.catch(() => {});
    return Promise.race([promise, gone]);
  }
}

module.exports = { FactoryDebugClient };
