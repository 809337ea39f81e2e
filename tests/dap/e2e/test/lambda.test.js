'use strict';
// lambda-dap end to end with a real DAP client (@vscode/debugadapter-testsupport's DebugClient) and real containers:
// both launch configuration shapes (`type: lambda` flat fields; the AWS Toolkit's `aws-sam` with invokeTarget),
// a breakpoint at a line of the handler's local file, variables, step over, continue, output, exited, terminated,
// zero containers left; the same over `--port` with four sessions at once. Every message is schema-checked.
//
// Environment (tests/dap/test_e2e_lambda.py sets it): LAMBDA_DAP_ADAPTER (stdio command line),
// LAMBDA_DAP_SERVER (command line that takes `--port N`), LAMBDA_DAP_PYTHON_IMAGE (the test image for python3.11).

const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');
const { CheckedDebugClient, markedLine } = require('../lib/checked-client');
const { breakpointSession } = require('../lib/scenario');
const { containersLeftAfter } = require('../lib/docker');
const { startServer, stopServer } = require('../lib/server');

const APP = path.join(__dirname, '..', 'fixtures', 'app');
const TEMPLATE = path.join(APP, 'template.yaml');
const HANDLER = path.join(APP, 'src', 'greeter.py');
const IMAGE = process.env.LAMBDA_DAP_PYTHON_IMAGE;
const TIMEOUT_MS = 60000; // per wait: a cold container start on a loaded CI machine
const CLEANUP_MS = 2000; // the bound: container removed within 2 s of the session's end

// What VS Code sends: the reverse-request capabilities are true, so any reverse request lambda-dap made would
// show (DebugClient cannot answer one, and the checked client counts it as a violation).
const VSCODE_INITIALIZE = {
  clientID: 'vscode', clientName: 'Visual Studio Code', adapterID: 'aws-sam', pathFormat: 'path',
  linesStartAt1: true, columnsStartAt1: true, supportsVariableType: true, supportsVariablePaging: true,
  supportsRunInTerminalRequest: true, locale: 'en', supportsProgressReporting: true, supportsInvalidatedEvent: true,
  supportsMemoryReferences: true, supportsArgsCanBeInterpretedByShell: true, supportsMemoryEvent: true,
  supportsStartDebuggingRequest: true, supportsANSIStyling: true,
};

const flat = (name) => ({
  request: 'launch',
  args: { type: 'lambda', request: 'launch', name: 'Greeter (flat)', template: TEMPLATE, function: 'Greeter',
    event: { name }, invokeImage: IMAGE, skipPullImage: true },
});

// A .vscode/launch.json written for the AWS Toolkit, sent verbatim as nvim-dap and dape do: `direct-invoke`.
const toolkit = (name) => ({
  request: 'direct-invoke',
  args: { type: 'aws-sam', request: 'direct-invoke', name: 'Greeter (Toolkit)',
    invokeTarget: { target: 'template', templatePath: TEMPLATE, logicalId: 'Greeter' },
    lambda: { payload: { json: { name } } },
    sam: { localArguments: ['--invoke-image', IMAGE, '--skip-pull-image'] } },
});

function plan(shape, name) {
  return {
    ...shape(name),
    initialize: VSCODE_INITIALIZE,
    source: HANDLER,
    breakpointLine: markedLine(HANDLER, '@bp'),
    stepLine: markedLine(HANDLER, '@step'),
    variables: { name: `'${name}'`, event: `{'name': '${name}'}` },
    variablesAfterStep: { greeting: `'hello ${name}'` },
    stdout: [`hello ${name}\n`],
    stderr: [`partial line from ${name}`],
    exitCode: 0,
  };
}

const missing = ['LAMBDA_DAP_ADAPTER', 'LAMBDA_DAP_SERVER', 'LAMBDA_DAP_PYTHON_IMAGE'].filter((v) => !process.env[v]);
const options = { timeout: 240000, skip: missing.length ? `set ${missing.join(', ')}` : false };

async function assertNoContainersLeft() {
  const left = await containersLeftAfter(CLEANUP_MS);
  assert.deepEqual(left, [], `containers still there ${CLEANUP_MS} ms after the session ended`);
}

for (const [label, shape] of [['type: lambda (flat fields)', flat], ['aws-sam with invokeTarget (direct-invoke)', toolkit]]) {
  test(`--stdio, ${label}: breakpoint, variables, step, continue, output, terminated, nothing left`, options, async (t) => {
    const dc = new CheckedDebugClient({ debugType: 'aws-sam', timeout: TIMEOUT_MS });
    await dc.start();
    let figures;
    try {
      figures = await breakpointSession(dc, plan(shape, 'stdio'));
      const console = dc.output('console');
      assert.match(console, /"greeting": "hello stdio"/, 'the result is shown');
      assert.match(console, /REPORT RequestId: /, 'the REPORT line is shown');
      const processes = dc.received.filter((m) => m.type === 'event' && m.event === 'process');
      assert.deepEqual(processes.map((m) => m.body.name), ['Greeter']);
    } finally {
      await dc.finish({ endInput: false }); // the disconnect alone ends `lambda-dap --stdio`
    }
    await assertNoContainersLeft();
    t.diagnostic(`stdio ${shape.name}: launch to breakpoint ${figures.stoppedAfterMs} ms; ` +
      `${figures.received} received and ${figures.sent} sent messages validated`);
  });
}

test('--port: four sessions at once (two of each shape), each to its own breakpoint, nothing left', options, async (t) => {
  const server = await startServer(process.env.LAMBDA_DAP_SERVER);
  try {
    const names = ['one', 'two', 'three', 'four'];
    const figures = await Promise.all(names.map(async (name, index) => {
      const dc = new CheckedDebugClient({ debugType: 'aws-sam', timeout: TIMEOUT_MS });
      await dc.start(server.port);
      try {
        return await breakpointSession(dc, plan(index % 2 ? toolkit : flat, name));
      } finally {
        await dc.finish();
      }
    }));
    await assertNoContainersLeft();
    t.diagnostic(`port: launch to breakpoint ${figures.map((f) => f.stoppedAfterMs).join(', ')} ms`);
    assert.ok(server.process.exitCode === null, 'the server serves on after its sessions end');
  } finally {
    await stopServer(server, { signal: 'SIGINT' }).catch((error) => assert.fail(error.message));
  }
  await assertNoContainersLeft();
});
