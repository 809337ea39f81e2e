'use strict';
// Launch configurations the extension makes: F5 with no launch.json, the Run and Debug list's entries per template
// function, the Toolkit's direct-invoke handed to VS Code as launch, and lambdaDap.startDebugging for the
// language server's code lenses.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { activate } = require('./support/load-extension');
const { launchSchemaErrors } = require('./support/schemas');

const TWO_FUNCTIONS = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 5
Resources:
  Greeter:
    Type: AWS::Serverless::Function  # the one with a breakpoint
    Properties:
      Handler: app.handler
      Events:
        Hello:
          Type: Api
          Properties: { Path: /hello, Method: get }
  Table:
    Type: AWS::DynamoDB::Table
  "Worker":
    Properties:
      Handler: worker.handler
    Type: 'AWS::Lambda::Function'
Outputs:
  Fake:
    Type: AWS::Serverless::Function
`;

function workspace(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-dap-folder-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function providers(state, type, triggerKind = 1) {
  return state.providers.filter((p) => p.type === type && p.triggerKind === triggerKind).map((p) => p.provider);
}

test('F5 without launch.json asks which function of template.yaml to debug, and launches it', async () => {
  const dir = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const { state } = activate({ folders: [dir] });
  state.answers.quickPick = ({ items }) => items[1];
  const [provider] = providers(state, 'lambda');
  const configuration = await provider.resolveDebugConfiguration(state.folders[0], {});
  assert.deepEqual(state.asked.map((a) => a.what.items), [['Greeter', 'Worker']]);
  assert.deepEqual(configuration, {
    type: 'lambda', request: 'launch', name: 'lambda-dap: Worker', template: path.join(dir, 'template.yaml'), function: 'Worker',
  });
  assert.deepEqual(launchSchemaErrors(configuration), []);
});

test('a template with one function is launched without asking; dismissing the question starts nothing', async () => {
  const dir = workspace({ 'template.yml': 'Resources:\n  Only:\n    Type: AWS::Serverless::Function\n' });
  const { state } = activate({ folders: [dir] });
  const [provider] = providers(state, 'lambda');
  const configuration = await provider.resolveDebugConfiguration(undefined, {}); // no folder given: the first one
  assert.equal(state.asked.length, 0);
  assert.equal(configuration.function, 'Only');
  assert.equal(configuration.template, path.join(dir, 'template.yml'));

  const two = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const again = activate({ folders: [two] });
  assert.equal(await providers(again.state, 'lambda')[0].resolveDebugConfiguration(again.state.folders[0], {}), undefined);
  assert.equal(again.state.asked.length, 1);
});

test('the built template comes first, as lambda-dap picks it; JSON templates are read too', async () => {
  const dir = workspace({
    'template.yaml': TWO_FUNCTIONS,
    '.aws-sam/build/template.yaml': 'Resources:\n  Greeter:\n    Type: AWS::Serverless::Function\n',
  });
  const { state } = activate({ folders: [dir] });
  const configuration = await providers(state, 'lambda')[0].resolveDebugConfiguration(state.folders[0], {});
  assert.equal(configuration.template, path.join(dir, '.aws-sam', 'build', 'template.yaml'));

  const json = workspace({ 'template.json': JSON.stringify({ Resources: { A: { Type: 'AWS::Lambda::Function' }, B: { Type: 'AWS::SNS::Topic' } } }) });
  const second = activate({ folders: [json] });
  assert.equal((await providers(second.state, 'lambda')[0].resolveDebugConfiguration(second.state.folders[0], {})).function, 'A');
});

test('a folder without a template: an error naming the files looked for, and launch.json opened', async () => {
  const dir = workspace({ 'README.md': 'nothing here' });
  const { state } = activate({ folders: [dir] });
  assert.equal(await providers(state, 'lambda')[0].resolveDebugConfiguration(state.folders[0], {}), null);
  assert.deepEqual(state.messages.map((m) => m.level), ['error']);
  assert.match(state.messages[0].text, /no \.aws-sam\/build\/template\.yaml, template\.yaml, template\.yml, template\.json in /);

  const none = activate({ folders: [] });
  assert.equal(await providers(none.state, 'lambda')[0].resolveDebugConfiguration(undefined, {}), undefined);
  assert.match(none.state.messages[0].text, /open the folder of a SAM template/);
});

test('an AWS Toolkit configuration goes to VS Code as request launch; others are left as written', async () => {
  const { state } = activate({ folders: [] });
  const toolkit = {
    type: 'aws-sam', request: 'direct-invoke', name: 'Toolkit',
    invokeTarget: { target: 'template', templatePath: 'template.yaml', logicalId: 'Greeter' },
    lambda: { payload: { json: { name: 'x' } } },
  };
  const [provider] = providers(state, 'aws-sam');
  const resolved = await provider.resolveDebugConfiguration(undefined, toolkit);
  assert.deepEqual(resolved, { ...toolkit, request: 'launch' });
  assert.equal(toolkit.request, 'direct-invoke', 'the launch.json entry itself is not changed');
  assert.deepEqual(launchSchemaErrors(resolved), [], 'the adapter takes the aws-sam shape with request launch');
  const flat = { type: 'lambda', request: 'attach', name: 'a', port: 5858 };
  assert.equal(await providers(state, 'lambda')[0].resolveDebugConfiguration(undefined, flat), flat);
});

test('the Run and Debug list offers one configuration per template function', () => {
  const dir = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const { state } = activate({ folders: [dir] });
  const [dynamic] = providers(state, 'lambda', 2);
  const configurations = dynamic.provideDebugConfigurations(state.folders[0]);
  assert.deepEqual(configurations.map((c) => [c.name, c.function, c.template]), [
    ['lambda-dap: Greeter', 'Greeter', '${workspaceFolder}/template.yaml'],
    ['lambda-dap: Worker', 'Worker', '${workspaceFolder}/template.yaml'],
  ]);
  for (const configuration of configurations) assert.deepEqual(launchSchemaErrors(configuration), []);
  assert.deepEqual(dynamic.provideDebugConfigurations(undefined), []);
});

test('lambdaDap.startDebugging starts a configuration the server returns, in the folder holding its template', async () => {
  const a = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const b = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const { state } = activate({ folders: [a, b] });
  const { vscode } = require('./support/fake-vscode');
  const configuration = { type: 'lambda', request: 'launch', name: 'Debug Worker', template: path.join(b, 'template.yaml'), function: 'Worker' };
  assert.equal(await vscode.commands.executeCommand('lambdaDap.startDebugging', configuration), true);
  assert.equal(await vscode.commands.executeCommand('lambdaDap.startDebugging', { configuration, folder: `file://${a}` }), true);
  const noName = { type: 'lambda', request: 'launch', template: 'template.yaml', noDebug: true };
  state.activeTextEditor = { document: { uri: vscode.Uri.file(path.join(b, 'app.py')) } };
  await vscode.commands.executeCommand('lambdaDap.startDebugging', noName);
  assert.deepEqual(state.started.map((s) => [s.folder.uri.fsPath, s.configuration.name]), [
    [path.resolve(b), 'Debug Worker'], [path.resolve(a), 'Debug Worker'], [path.resolve(b), 'lambda-dap'],
  ]);
  assert.equal(await vscode.commands.executeCommand('lambdaDap.startDebugging', 'not a configuration'), false);
  assert.match(state.messages.at(-1).text, /startDebugging: expected a launch configuration with type and request/);
});

test('a server command returning {configuration, workspaceFolder} (the lenses\' Debug and Invoke) has it started', async () => {
  const { clients } = require('./support/fake-languageclient');
  clients.length = 0;
  const a = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const b = workspace({ 'template.yaml': TWO_FUNCTIONS });
  const { api, state } = activate({ folders: [a, b] });
  await api.languageServer.settled();
  const { executeCommand } = clients[0].clientOptions.middleware;
  const configuration = { type: 'lambda', request: 'launch', name: 'lambda-dap: Worker', template: '${workspaceFolder}/template.yaml', function: 'Worker', noDebug: true };
  const answer = { configuration, launchJson: `file://${b}/.vscode/launch.json`, workspaceFolder: `file://${b}`, written: true };
  const sent = [];
  const result = await executeCommand('lambda-dap.invoke', [{ template: `file://${b}/template.yaml`, function: 'Worker' }], (command, args) => {
    sent.push([command, args]);
    return Promise.resolve(answer);
  });
  assert.equal(result, answer, 'the server\'s result is passed on');
  assert.deepEqual(sent, [['lambda-dap.invoke', [{ template: `file://${b}/template.yaml`, function: 'Worker' }]]]);
  assert.deepEqual(state.started.map((s) => [s.folder.uri.fsPath, s.configuration]), [[path.resolve(b), configuration]]);
  await executeCommand('other.command', [], () => ({ written: true }));
  await executeCommand('other.command', [], () => undefined);
  assert.equal(state.started.length, 1, 'results without a configuration start nothing');
});
