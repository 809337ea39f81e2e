'use strict';
// package.json as VS Code reads it: the debuggers and their requests, the attributes VS Code checks launch.json
// with, the snippets and initial configurations (valid for VS Code and for lambda-dap), settings and commands.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { activate, ROOT } = require('./support/load-extension');
const { launchSchema, launchSchemaErrors, vscodeRequestSchema } = require('./support/schemas');
const { renderSnippet } = require('./support/snippets');

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const { contributes } = manifest;
const debugger_ = (type) => contributes.debuggers.find((d) => d.type === type);
const REQUESTS = { lambda: { launch: 'launch', attach: 'attach' }, 'aws-sam': { 'direct-invoke': 'awsSam' } };

function refsIn(node, found = []) {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, found));
  else if (node && typeof node === 'object') {
    if ('$ref' in node) found.push(node.$ref);
    Object.values(node).forEach((n) => refsIn(n, found));
  }
  return found;
}

test('two debuggers: lambda (launch, attach) and aws-sam (direct-invoke), for the runtimes lambda-dap debugs', () => {
  assert.deepEqual(contributes.debuggers.map((d) => d.type), ['lambda', 'aws-sam']);
  for (const [type, requests] of Object.entries(REQUESTS)) {
    const d = debugger_(type);
    assert.deepEqual(Object.keys(d.configurationAttributes), Object.keys(requests), type);
    assert.ok(d.label.startsWith('lambda-dap'), d.label);
    for (const language of ['python', 'javascript', 'typescript']) assert.ok(d.languages.includes(language), `${type}: ${language}`);
    assert.equal(d.program, undefined, `${type}: started by the descriptor factory, not a program`);
    assert.ok(manifest.activationEvents.includes(`onDebugResolve:${type}`), `onDebugResolve:${type}`);
  }
  const breakpoints = contributes.breakpoints.map((b) => b.language);
  for (const language of ['python', 'javascript', 'typescript', 'go', 'java']) assert.ok(breakpoints.includes(language), language);
});

test('the attributes are the schema\'s definitions, every $ref inlined, plus cwd', () => {
  for (const [type, requests] of Object.entries(REQUESTS)) {
    for (const [request, definition] of Object.entries(requests)) {
      const attributes = debugger_(type).configurationAttributes[request];
      assert.deepEqual(refsIn(attributes), [], `${type}.${request} has no $ref (VS Code has no definitions to resolve it in)`);
      const expected = [...Object.keys(launchSchema.definitions[definition].properties), 'cwd'];
      assert.deepEqual(Object.keys(attributes.properties).sort(), [...new Set(expected)].sort(), `${type}.${request}`);
      assert.deepEqual(attributes.required || [], launchSchema.definitions[definition].required || []);
    }
  }
  const launch = debugger_('lambda').configurationAttributes.launch;
  assert.deepEqual(launch.properties.runtime.examples, launchSchema.definitions.runtime.examples, 'a $ref\'s target, inlined');
  assert.equal(launch.properties.keepAlive.type, 'boolean');
  const target = debugger_('aws-sam').configurationAttributes['direct-invoke'].properties.invokeTarget;
  assert.deepEqual(target.allOf[0].then.required, ['templatePath', 'logicalId'], 'nested refs too');
});

test('every snippet and initial configuration is valid for VS Code\'s launch.json schema and for lambda-dap\'s', () => {
  let checked = 0;
  for (const d of contributes.debuggers) {
    const entries = [
      ...(d.initialConfigurations || []).map((c) => ['initial configuration', c.name, c]),
      ...d.configurationSnippets.map((s) => [`snippet "${s.label}"`, s.label, renderSnippet(s.body)]),
    ];
    for (const [what, label, configuration] of entries) {
      assert.equal(configuration.type, d.type, `${what}: type`);
      const validate = vscodeRequestSchema(d.configurationAttributes[configuration.request], d.type, configuration.request);
      assert.ok(validate(configuration), `${d.type} ${what} ${label}: VS Code would flag ${JSON.stringify(validate.errors)}`);
      assert.deepEqual(launchSchemaErrors(configuration), [], `${d.type} ${what} ${label}`);
      checked++;
    }
  }
  assert.equal(checked, 1 + 4 + 3);
  assert.ok(debugger_('lambda').initialConfigurations.length >= 1);
});

test('the schemas do reject a misspelt field and a wrong value', () => {
  const d = debugger_('lambda');
  const validate = vscodeRequestSchema(d.configurationAttributes.launch, 'lambda', 'launch');
  const good = { type: 'lambda', request: 'launch', name: 'x', template: 'template.yaml' };
  assert.ok(validate(good));
  assert.equal(validate({ ...good, templte: 'template.yaml' }), false);
  assert.deepEqual(validate.errors.map((e) => e.params.additionalProperty), ['templte']);
  assert.notDeepEqual(launchSchemaErrors({ ...good, debugPort: 70000 }), []);
  assert.notDeepEqual(launchSchemaErrors({ type: 'aws-sam', request: 'direct-invoke', invokeTarget: { target: 'template' } }), []);
});

test('snippets are rendered as VS Code inserts them: ^ raw text, placeholders to their defaults', () => {
  const body = { port: '^${2:5858}', template: '^"\\${workspaceFolder}/${1:template.yaml}"', method: '${3|get,post|}', name: '${1:Debug}' };
  assert.deepEqual(renderSnippet(body), { port: 5858, template: '${workspaceFolder}/template.yaml', method: 'get', name: 'Debug' });
});

test('settings: lambdaDap.executable (default lambda-dap), lambdaDap.args, the language server switch', () => {
  const { properties } = contributes.configuration;
  assert.deepEqual(
    [properties['lambdaDap.executable'].default, properties['lambdaDap.args'].default, properties['lambdaDap.languageServer.enabled'].default],
    ['lambda-dap', [], true],
  );
  assert.equal(properties['lambdaDap.args'].items.type, 'string');
});

test('the contributed commands are the ones the extension registers', () => {
  const { state } = activate();
  assert.deepEqual(Object.keys(state.commands).sort(), contributes.commands.map((c) => c.command).sort());
  const invoke = contributes.commands.find((c) => c.command === 'lambdaDap.invokeAgain');
  assert.equal(`${invoke.category}: ${invoke.title}`, 'lambda-dap: Invoke again');
  assert.ok(fs.existsSync(path.join(ROOT, manifest.main)), `${manifest.main} is built`);
  assert.deepEqual(Object.keys(state.factories).sort(), ['aws-sam', 'lambda']);
});
