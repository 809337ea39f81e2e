'use strict';
// The debug adapter's command line as the descriptor factory builds it from the settings, and the language
// server's, for the settings users write.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { activate, session } = require('./support/load-extension');
const { clients, LanguageClient } = require('./support/fake-languageclient');

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-dap-vscode-'));
const other = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-dap-vscode-other-'));

function commandLine(settings, { type = 'lambda', inFolder = folder } = {}) {
  const { state } = activate({ settings, folders: [folder, other] });
  const workspaceFolder = inFolder && state.folders.find((f) => f.uri.fsPath === path.resolve(inFolder));
  const descriptor = state.factories[type].createDebugAdapterDescriptor(session({ type, folder: workspaceFolder }), undefined);
  return { command: descriptor.command, args: descriptor.args, cwd: descriptor.options && descriptor.options.cwd, descriptor };
}

test('by default the adapter is `lambda-dap --stdio`, started in the session\'s workspace folder', () => {
  const { command, args, cwd, descriptor } = commandLine({});
  assert.equal(descriptor.constructor.name, 'DebugAdapterExecutable');
  assert.deepEqual({ command, args, cwd }, { command: 'lambda-dap', args: ['--stdio'], cwd: path.resolve(folder) });
});

test('aws-sam sessions (AWS Toolkit launch.json) start the same adapter', () => {
  const { command, args } = commandLine({ 'lambdaDap.executable': 'python3 -m lambda_dap' }, { type: 'aws-sam' });
  assert.deepEqual([command, ...args], ['python3', '-m', 'lambda_dap', '--stdio']);
});

test('a command line in lambdaDap.executable is split into the program and its arguments', () => {
  const cases = [
    ['python3 -m lambda_dap', ['python3', '-m', 'lambda_dap', '--stdio']],
    ['  /usr/bin/python3   -m  lambda_dap ', ['/usr/bin/python3', '-m', 'lambda_dap', '--stdio']],
    ["'/opt/my tools/lambda-dap'", ['/opt/my tools/lambda-dap', '--stdio']],
    ['"/opt/my tools/bin/python" -m lambda_dap', ['/opt/my tools/bin/python', '-m', 'lambda_dap', '--stdio']],
    ['/opt/my\\ tools/lambda-dap', ['/opt/my tools/lambda-dap', '--stdio']],
    ['uv run --with "lambda-dap[test]" lambda-dap', ['uv', 'run', '--with', 'lambda-dap[test]', 'lambda-dap', '--stdio']],
    ['"say \\"hi\\"" \'a\'\'b\'', ['say "hi"', 'ab', '--stdio']],
  ];
  for (const [executable, expected] of cases) {
    const { command, args } = commandLine({ 'lambdaDap.executable': executable });
    assert.deepEqual([command, ...args], expected, executable);
  }
});

test('lambdaDap.args go between the executable and --stdio, unsplit', () => {
  const { command, args } = commandLine({
    'lambdaDap.executable': 'python3 -m lambda_dap',
    'lambdaDap.args': ['--dap-log', '/tmp/a log.txt'],
  });
  assert.deepEqual([command, ...args], ['python3', '-m', 'lambda_dap', '--dap-log', '/tmp/a log.txt', '--stdio']);
});

test('a folder\'s own settings win for sessions of that folder', () => {
  const settings = { 'lambdaDap.executable': 'lambda-dap', [`${path.resolve(other)}|lambdaDap.executable`]: '/venv/bin/lambda-dap' };
  assert.deepEqual(commandLine(settings, { inFolder: other }).command, '/venv/bin/lambda-dap');
  assert.equal(commandLine(settings, { inFolder: other }).cwd, path.resolve(other));
  assert.deepEqual(commandLine(settings, { inFolder: folder }).command, 'lambda-dap');
});

test('a session without a workspace folder gets no cwd', () => {
  assert.equal(commandLine({}, { inFolder: null }).descriptor.options, undefined);
});

test('an empty or unbalanced lambdaDap.executable is an error naming the setting or the quote', () => {
  assert.throws(() => commandLine({ 'lambdaDap.executable': '   ' }), /lambdaDap\.executable: expected the lambda-dap command/);
  assert.throws(() => commandLine({ 'lambdaDap.executable': 'python3 "-m lambda_dap' }), /unclosed " in/);
  assert.throws(() => commandLine({ 'lambdaDap.args': '--dap-log x' }), /lambdaDap\.args: expected a list of strings/);
});

test('the language client runs `<executable> lsp` over stdio, on templates, handlers and launch.json', async () => {
  clients.length = 0;
  const { api } = activate({ settings: { 'lambdaDap.executable': 'python3 -m lambda_dap', 'lambdaDap.args': ['--dap-log', 'x'] }, folders: [folder] });
  await api.languageServer.start();
  assert.equal(clients.length, 1);
  const [client] = clients;
  assert.equal(client.id, 'lambdaDap');
  assert.deepEqual(
    { command: client.serverOptions.command, args: client.serverOptions.args, transport: client.serverOptions.transport, cwd: client.serverOptions.options.cwd },
    { command: 'python3', args: ['-m', 'lambda_dap', 'lsp'], transport: 0, cwd: path.resolve(folder) },
  );
  assert.equal(client.started, 1);
  const languages = client.clientOptions.documentSelector.map((s) => s.language);
  for (const language of ['yaml', 'json', 'python', 'javascript', 'typescript', 'jsonc']) assert.ok(languages.includes(language), language);
  const launchJson = client.clientOptions.documentSelector.filter((s) => s.pattern === '**/.vscode/launch.json');
  assert.deepEqual(launchJson.map((s) => s.language).sort(), ['json', 'jsonc']);
});

test('changing lambdaDap.executable restarts the language client with the new command; disabling it stops it', async () => {
  clients.length = 0;
  const { api, state } = activate({ settings: {}, folders: [folder] });
  const { emitters } = require('./support/fake-vscode');
  await api.languageServer.start();
  state.settings['lambdaDap.executable'] = '/venv/bin/lambda-dap';
  emitters.configuration.fire({ affectsConfiguration: (name) => name === 'lambdaDap.executable' });
  await api.languageServer.settled(); // the restart is done
  assert.deepEqual(clients.map((c) => [c.serverOptions.command, c.started, c.stopped]), [['lambda-dap', 1, 1], ['/venv/bin/lambda-dap', 1, 0]]);
  state.settings['lambdaDap.languageServer.enabled'] = false;
  emitters.configuration.fire({ affectsConfiguration: (name) => name === 'lambdaDap.languageServer' });
  await api.languageServer.settled();
  assert.deepEqual(clients.map((c) => c.stopped), [1, 1]);
  assert.equal(clients.length, 2, 'no client while disabled');
});

test('a language server that does not start is one warning naming the command and the setting', async () => {
  clients.length = 0;
  LanguageClient.startResult = () => Promise.reject(new Error('spawn lambda-dap ENOENT'));
  try {
    const { api, state } = activate({ settings: {}, folders: [folder] });
    await api.languageServer.settled();
    const warnings = state.messages.filter((m) => m.level === 'warning').map((m) => m.text);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /language server \(lambda-dap lsp\) did not start: spawn lambda-dap ENOENT\. Set lambdaDap\.executable/);
  } finally {
    LanguageClient.startResult = undefined;
  }
});
