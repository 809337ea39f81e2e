'use strict';
// "lambda-dap: Invoke again" sends the custom DAP request `invoke` to the keep-alive lambda-dap session.

const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');
const { activate, session, fake } = require('./support/load-extension');

function started(state, ...sessions) {
  for (const s of sessions) fake.emitters.start.fire(s);
  return sessions;
}

const warm = (extra = {}) => session({ name: 'Greeter (warm)', configuration: { keepAlive: true }, ...extra });

test('with an event as the argument (a key binding\'s args) it is sent as `invoke {event}`', async () => {
  const { state } = activate();
  const [s] = started(state, warm());
  state.activeDebugSession = s;
  const body = await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: { name: 'again' } });
  assert.deepEqual(s.requests, [{ command: 'invoke', args: { event: { name: 'again' } } }]);
  assert.deepEqual(body, { outcome: 'success', exitCode: 0, payload: '{}' });
  assert.deepEqual(state.messages.map((m) => [m.level, m.text]), [['information', 'lambda-dap: Greeter (warm): success (exit code 0): {}']]);
});

test('without arguments the user picks: the configuration\'s event, an event file, or typed JSON', async () => {
  const { state } = activate();
  const [s] = started(state, warm());
  state.activeDebugSession = s;
  const picks = [0, 1, 2];
  state.answers.quickPick = ({ items }) => items[picks.shift()];
  state.answers.openDialog = () => [fake.vscode.Uri.file('/work/events/big.json')];
  state.answers.inputBox = (options) => {
    assert.equal(options.validateInput('{"a": '), 'expected JSON, e.g. {"name": "world"}');
    assert.equal(options.validateInput('{"a": 1}'), undefined);
    return '{"typed": [1, 2]}';
  };
  for (let i = 0; i < 3; i++) await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain');
  assert.deepEqual(s.requests.map((r) => r.args), [{}, { eventFile: path.resolve('/work/events/big.json') }, { event: { typed: [1, 2] } }]);
  state.answers.quickPick = () => undefined; // dismissed: nothing sent
  await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain');
  assert.equal(s.requests.length, 3);
});

test('a child debugger\'s session (a Node.js function\'s) sends to its lambda-dap parent', async () => {
  const { state } = activate();
  const [parent] = started(state, warm());
  const child = session({ type: 'pwa-node', name: 'child', parentSession: parent });
  fake.emitters.start.fire(child);
  state.activeDebugSession = child;
  await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { eventFile: 'events/event.json' });
  assert.deepEqual(parent.requests, [{ command: 'invoke', args: { eventFile: 'events/event.json' } }]);
  assert.deepEqual(child.requests, []);
});

test('with no lambda session active, the latest running one gets it; a terminated one never does', async () => {
  const { state } = activate();
  const [first, second] = started(state, warm({ name: 'first' }), warm({ name: 'second' }));
  state.activeDebugSession = session({ type: 'python', name: 'unrelated' });
  fake.emitters.terminate.fire(second);
  await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: 1 });
  assert.deepEqual([first.requests.length, second.requests.length], [1, 0]);
  fake.emitters.terminate.fire(first);
  state.activeDebugSession = undefined;
  await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: 1 });
  assert.match(state.messages.at(-1).text, /Invoke again needs a running lambda-dap debug session launched with "keepAlive": true/);
});

test('a session launched without keepAlive is told so, and nothing is sent', async () => {
  const { state } = activate();
  const [s] = started(state, session({ name: 'one-shot' }));
  state.activeDebugSession = s;
  await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: {} });
  assert.deepEqual(s.requests, []);
  assert.match(state.messages[0].text, /"one-shot" was launched without "keepAlive": true/);
});

test('the adapter\'s refusal is shown as an error', async () => {
  const { state } = activate();
  const [s] = started(state, warm({ customRequest: () => Promise.reject(new Error('invoke: an invocation is still running; wait for it to end')) }));
  state.activeDebugSession = s;
  assert.equal(await fake.vscode.commands.executeCommand('lambdaDap.invokeAgain', { event: {} }), undefined);
  assert.deepEqual(state.messages.map((m) => [m.level, m.text]), [['error', 'lambda-dap: invoke: an invocation is still running; wait for it to end']]);
});
