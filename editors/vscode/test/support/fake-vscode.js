'use strict';
// A fake of the `vscode` module, enough of the API the extension uses, with everything it is asked recorded in
// `state`. load-extension.js makes `require('vscode')` return it. `reset()` starts a test from scratch.

const path = require('node:path');

class Uri {
  constructor(scheme, fsPath) {
    this.scheme = scheme;
    this.fsPath = fsPath;
    this.path = fsPath;
  }
  static file(p) { return new Uri('file', path.resolve(p)); }
  static parse(text) {
    const match = /^([a-z][a-z0-9+.-]*):(?:\/\/)?(.*)$/i.exec(text);
    if (!match) throw new Error(`fake vscode: not a URI: ${text}`);
    return match[1] === 'file' ? Uri.file(decodeURIComponent(match[2])) : new Uri(match[1], match[2]);
  }
  toString() { return `${this.scheme}://${this.fsPath}`; }
}

class Disposable {
  constructor(fn) { this._fn = fn; }
  static from(...items) { return new Disposable(() => items.forEach((d) => d.dispose())); }
  dispose() { if (this._fn) this._fn(); this._fn = undefined; }
}

class EventEmitter {
  constructor() { this.listeners = []; }
  get event() {
    return (listener) => {
      this.listeners.push(listener);
      return new Disposable(() => { this.listeners = this.listeners.filter((l) => l !== listener); });
    };
  }
  fire(value) { for (const listener of [...this.listeners]) listener(value); }
}

class DebugAdapterExecutable {
  constructor(command, args, options) {
    this.command = command;
    this.args = args;
    this.options = options;
  }
}

const state = {};
const emitters = {};

/** Start over: `settings` maps "lambdaDap.executable" (or, per folder, "folderPath|lambdaDap.executable") to values. */
function reset({ settings = {}, folders = [] } = {}) {
  Object.assign(state, {
    settings,
    folders: folders.map((folder, index) => ({ uri: Uri.file(folder), name: path.basename(folder), index })),
    factories: {},
    providers: [],
    commands: {},
    messages: [], // {level, text}
    asked: [], // {kind, items|options}
    answers: {}, // kind -> function(items|options) -> answer
    started: [], // {folder, configuration} given to debug.startDebugging
    activeDebugSession: undefined,
    activeTextEditor: undefined,
  });
  for (const name of ['start', 'terminate', 'configuration']) emitters[name] = new EventEmitter();
}

function ask(kind, what) {
  state.asked.push({ kind, what });
  const answer = state.answers[kind];
  return Promise.resolve(answer ? answer(what) : undefined);
}

function say(level) {
  return (text, ...items) => {
    state.messages.push({ level, text, items });
    return Promise.resolve(undefined);
  };
}

const vscode = {
  Uri,
  Disposable,
  EventEmitter,
  DebugAdapterExecutable,
  DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
  workspace: {
    get workspaceFolders() { return state.folders.length ? state.folders : undefined; },
    getWorkspaceFolder(uri) {
      return state.folders.find((f) => uri.fsPath === f.uri.fsPath || uri.fsPath.startsWith(f.uri.fsPath + path.sep));
    },
    getConfiguration(section, scope) {
      const folder = scope && scope.uri ? scope.uri.fsPath : undefined;
      return {
        get(key, fallback) {
          const name = `${section}.${key}`;
          for (const k of [folder && `${folder}|${name}`, name]) {
            if (k && Object.prototype.hasOwnProperty.call(state.settings, k)) return state.settings[k];
          }
          return fallback;
        },
      };
    },
    onDidChangeConfiguration: (listener) => emitters.configuration.event(listener),
    createFileSystemWatcher: (glob) => Object.assign(new Disposable(), { glob }),
  },
  debug: {
    get activeDebugSession() { return state.activeDebugSession; },
    registerDebugAdapterDescriptorFactory(type, factory) {
      if (state.factories[type]) throw new Error(`a DebugAdapterDescriptorFactory can only be registered once per type (${type})`);
      state.factories[type] = factory;
      return new Disposable(() => delete state.factories[type]);
    },
    registerDebugConfigurationProvider(type, provider, triggerKind = 1) {
      state.providers.push({ type, provider, triggerKind });
      return new Disposable();
    },
    onDidStartDebugSession: (listener) => emitters.start.event(listener),
    onDidTerminateDebugSession: (listener) => emitters.terminate.event(listener),
    startDebugging(folder, configuration) {
      state.started.push({ folder, configuration });
      return Promise.resolve(true);
    },
  },
  commands: {
    registerCommand(id, fn) {
      if (state.commands[id]) throw new Error(`command '${id}' already exists`);
      state.commands[id] = fn;
      return new Disposable(() => delete state.commands[id]);
    },
    executeCommand(id, ...args) {
      if (!state.commands[id]) return Promise.reject(new Error(`command '${id}' not found`));
      return Promise.resolve(state.commands[id](...args));
    },
  },
  window: {
    get activeTextEditor() { return state.activeTextEditor; },
    showErrorMessage: say('error'),
    showWarningMessage: say('warning'),
    showInformationMessage: say('information'),
    showQuickPick: (items, options) => ask('quickPick', { items, options }),
    showOpenDialog: (options) => ask('openDialog', options),
    showInputBox: (options) => ask('inputBox', options),
  },
};

module.exports = { vscode, state, reset, emitters };
