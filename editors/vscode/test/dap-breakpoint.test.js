'use strict';
// F5 on examples/hello with no launch.json, through the extension: the default configuration its provider makes
// (plus the test image), the adapter its factory describes, a breakpoint hit in app.py, then "Invoke again" sending
// the next event into the same warm container and stopping at the breakpoint again. Needs Docker and the test
// image (LAMBDA_DAP_PYTHON_IMAGE) besides LAMBDA_DAP_EXECUTABLE.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { activate, session, fake, ROOT } = require('./support/load-extension');
const { FactoryDebugClient } = require('./support/factory-client');

const EXECUTABLE = process.env.LAMBDA_DAP_EXECUTABLE;
const IMAGE = process.env.LAMBDA_DAP_PYTHON_IMAGE;
const HELLO = path.join(ROOT, '..', '..', 'examples', 'hello');
const APP = path.join(HELLO, 'hello_world', 'app.py');
const LINE = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes('a good line for a breakpoint')) + 1;
const TIMEOUT_MS = 90000; // a cold container start on a loaded CI machine
const missing = ['LAMBDA_DAP_EXECUTABLE', 'LAMBDA_DAP_PYTHON_IMAGE'].filter((v) => !process.env[v]);
const options = { timeout: 300000, skip: missing.length ? `set ${missing.join(', ')}` : false };

function expectEvent(dc, name) {
  const promise = dc.within(dc.waitForEvent(name, TIMEOUT_MS), `${name} event`);
  promise.catch(() => {});
  return promise;
}

async function stoppedAt(dc, stopped) {
  const { body } = await dc.within(dc.stackTraceRequest({ threadId: stopped.body.threadId }), 'stackTrace response');
  const [frame] = body.stackFrames;
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const variables = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  const values = Object.fromEntries(variables.body.variables.map((v) => [v.name, v.value]));
  return { path: frame.source && frame.source.path, line: frame.line, name: values.name };
}

test('F5 on the hello example: breakpoint hit, then Invoke again stops there with the new event', options, async (t) => {
  assert.ok(LINE > 0, 'the marked line in app.py');
  const { state } = activate({ settings: { 'lambdaDap.executable': EXECUTABLE }, folders: [HELLO] });
  const provider = state.providers.find((p) => p.type === 'lambda' && p.triggerKind === 1).provider;
  const defaults = await provider.resolveDebugConfiguration(state.folders[0], {});
  assert.deepEqual([defaults.function, defaults.template], ['HelloWorldFunction', path.join(HELLO, 'template.yaml')]);
  const configuration = { ...defaults, invokeImage: IMAGE, skipPullImage: true, keepAlive: true, event: { name: 'vscode' } };

  const s = session({ type: 'lambda', name: configuration.name, folder: state.folders[0], configuration });
  const descriptor = state.factories.lambda.createDebugAdapterDescriptor(s, undefined);
  const dc = new FactoryDebugClient(descriptor, 'lambda', TIMEOUT_MS);
  await dc.start();
  const outputs = [];
  dc.on('output', (e) => outputs.push([e.body.category, e.body.output]));
  try {
    const initialized = expectEvent(dc, 'initialized');
    const firstStop = expectEvent(dc, 'stopped');
    await dc.initialize();
    const launched = dc.within(dc.launchRequest(configuration), 'launch response');
    launched.catch(() => {});
    await initialized;
    const placed = await dc.setBreakpointsRequest({ source: { path: APP }, breakpoints: [{ line: LINE }] });
    assert.equal(placed.body.breakpoints[0].verified, true);
    await dc.configurationDoneRequest();
    await launched;
    const first = await firstStop;
    assert.equal(first.body.reason, 'breakpoint');
    assert.deepEqual(await stoppedAt(dc, first), { path: APP, line: LINE, name: "'vscode'" });
    // The first invocation is over when its REPORT line is in the debug console, as a user sees it.
    const reported = dc.within(new Promise((resolve) => {
      dc.on('output', (e) => { if (e.body.category === 'console' && e.body.output.startsWith('REPORT ')) resolve(); });
    }), 'the first invocation\'s REPORT line');
    await dc.continueRequest({ threadId: first.body.threadId });
    await reported;

    // Invoke again, as the command does it, on this warm session.
    s.customRequest = (command, args) => dc.within(dc.customRequest(command, args), `${command} response`).then((r) => r.body);
    fake.emitters.start.fire(s);
    state.activeDebugSession = s;
    const secondStop = expectEvent(dc, 'stopped');
    const answered = fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: { name: 'again' } });
    const second = await secondStop;
    assert.deepEqual(await stoppedAt(dc, second), { path: APP, line: LINE, name: "'again'" });
    await dc.continueRequest({ threadId: second.body.threadId });
    const body = await answered;
    assert.equal(body.outcome, 'success');
    assert.equal(JSON.parse(JSON.parse(body.payload).body).message, 'Hello, again!');
    assert.match(state.messages.at(-1).text, /^lambda-dap: lambda-dap: HelloWorldFunction: success \(exit code 0\): /);
    const stdout = outputs.filter(([category]) => category === 'stdout').map(([, text]) => text).join('');
    assert.equal(stdout, 'greeting vscode from HelloWorldFunction\ngreeting again from HelloWorldFunction\n');
    t.diagnostic(`breakpoint hit twice in one container; adapter: ${descriptor.command} ${descriptor.args.join(' ')}`);
  } catch (error) {
    error.message += `\nadapter stderr:\n${dc.stderr}\noutput events: ${JSON.stringify(outputs)}\nshown: ${JSON.stringify(state.messages)}`;
    throw error;
  } finally {
    if (dc._adapterProcess.exitCode === null) await dc.within(dc.disconnectRequest({}), 'disconnect response');
    const exit = await dc.exited;
    assert.equal(exit.code, 0, dc.stderr);
  }
});
