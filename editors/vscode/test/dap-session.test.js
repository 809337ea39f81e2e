'use strict';
// A DAP session started the way the extension's descriptor factory starts it: lambdaDap.executable set to a real
// lambda-dap command line (LAMBDA_DAP_EXECUTABLE, e.g. "python3 -m lambda_dap"), the descriptor it returns spawned
// as is, then initialize, a launch with a bad configuration (an error naming the field), Invoke again refused by
// the adapter, disconnect, the adapter gone. No Docker needed.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { activate, session, fake } = require('./support/load-extension');
const { FactoryDebugClient } = require('./support/factory-client');

const EXECUTABLE = process.env.LAMBDA_DAP_EXECUTABLE;
const options = { timeout: 60000, skip: EXECUTABLE ? false : 'set LAMBDA_DAP_EXECUTABLE' };
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-dap-session-'));
fs.writeFileSync(path.join(folder, 'template.yaml'), 'Resources:\n  Greeter:\n    Type: AWS::Serverless::Function\n');

/** The extension activated with the executable, and the descriptor its factory returns for a `type` session. */
function descriptorFor(type, configuration) {
  const { state } = activate({ settings: { 'lambdaDap.executable': EXECUTABLE }, folders: [folder] });
  const s = session({ type, folder: state.folders[0], configuration });
  return { descriptor: state.factories[type].createDebugAdapterDescriptor(s, undefined), state, session: s };
}

async function endSession(dc) {
  if (dc._adapterProcess.exitCode === null) await dc.within(dc.disconnectRequest({}), 'disconnect response');
  const exit = await dc.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, `the adapter ends by itself after disconnect (stderr: ${dc.stderr})`);
}

test('a lambda session: initialize, a launch with a bad field answered with an error naming it, disconnect', options, async () => {
  const configuration = { type: 'lambda', request: 'launch', name: 'bad port', function: 'Greeter', debugPort: 70000, keepAlive: true };
  const { descriptor, state, session: s } = descriptorFor('lambda', configuration);
  assert.deepEqual(descriptor.args.slice(-1), ['--stdio']);
  assert.equal(descriptor.options.cwd, path.resolve(folder));
  const dc = new FactoryDebugClient(descriptor, 'lambda');
  await dc.start();
  try {
    const initialized = await dc.initialize();
    assert.equal(initialized.success, true);
    assert.equal(initialized.body.supportsConfigurationDoneRequest, true);
    await assert.rejects(dc.within(dc.launchRequest(configuration), 'launch response'), (error) => {
      assert.match(error.message, /^debugPort: expected a whole number from 1 to 65535, got 70000/);
      return true;
    });

    // Invoke again on this session: the command's `invoke` reaches the adapter, whose refusal the user sees.
    s.customRequest = (command, args) => dc.customRequest(command, args).then((response) => response.body);
    fake.emitters.start.fire(s);
    state.activeDebugSession = s;
    assert.equal(await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: {} }), undefined);
    assert.deepEqual(state.messages.map((m) => [m.level, m.text]), [['error', 'lambda-dap: invoke: nothing is launched in this session']]);
  } finally {
    await endSession(dc);
  }
});

test('an AWS Toolkit configuration: direct-invoke resolved to launch, and the adapter names the missing field', options, async () => {
  const toolkit = { type: 'aws-sam', request: 'direct-invoke', name: 'Toolkit', invokeTarget: { target: 'template', templatePath: 'template.yaml' } };
  const { descriptor, state } = descriptorFor('aws-sam', toolkit);
  const provider = state.providers.find((p) => p.type === 'aws-sam').provider;
  const resolved = await provider.resolveDebugConfiguration(state.folders[0], toolkit);
  assert.equal(resolved.request, 'launch');
  const dc = new FactoryDebugClient(descriptor, 'aws-sam');
  await dc.start();
  try {
    await dc.initialize();
    await assert.rejects(dc.within(dc.launchRequest(resolved), 'launch response'), /^Error: invokeTarget\.logicalId: missing/);
  } finally {
    await endSession(dc);
  }
});

test('a command that cannot be started fails the spawn (what VS Code reports as the adapter not starting)', options, async () => {
  const { state } = activate({ settings: { 'lambdaDap.executable': '/nonexistent/lambda-dap --flag' }, folders: [folder] });
  const descriptor = state.factories.lambda.createDebugAdapterDescriptor(session({ folder: state.folders[0] }), undefined);
  const dc = new FactoryDebugClient(descriptor, 'lambda');
  await dc.start();
  const exit = await Promise.race([dc.exited, new Promise((resolve) => dc._adapterProcess.on('error', () => resolve({ code: 'error' })))]);
  assert.match(dc.stderr, /spawn error: spawn \/nonexistent\/lambda-dap ENOENT/);
  assert.notEqual(exit.code, 0);
});
