'use strict';
// The harness itself, before lambda-dap's adapter exists: debugpy's own adapter (python3 -m debugpy.adapter) debugs
// a local script through the checked DebugClient, over stdio and over TCP; broken adapters are caught.

const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { test } = require('node:test');
const { CheckedDebugClient, markedLine } = require('../lib/checked-client');
const { breakpointSession } = require('../lib/scenario');
const { freePort } = require('../lib/ports');

const PYTHON = process.env.PYTHON || 'python3';
const STANDIN = path.join(__dirname, '..', 'fixtures', 'standin.py');
const BAD_ADAPTER = path.join(__dirname, '..', 'fixtures', 'bad_adapter.py');
const QUIET = { PYDEVD_DISABLE_FILE_VALIDATION: '1' };

function standinPlan(name) {
  return {
    args: { type: 'python', request: 'launch', program: STANDIN, args: [name], console: 'internalConsole' },
    source: STANDIN,
    breakpointLine: markedLine(STANDIN, '@bp'),
    stepLine: markedLine(STANDIN, '@step'),
    variables: { name: `'${name}'`, greeting: `'hello ${name}'` },
    variablesAfterStep: { count: String(name.length) },
    stdout: [`hello ${name}\n`, `total=${name.length}\n`],
    stderr: [`counted ${name.length}\n`],
    exitCode: 0,
  };
}

// debugpy sends telemetry events before its initialize response, which the spec forbids: strictStartup off for it.
// Its messaging (debugpy/common/messaging.py) numbers a message under its lock, lets go, and takes the lock again to
// write it: two threads sending at once can put seq 2 on the wire before seq 1. lambda-dap numbers in write order.
const debugpy = (extra = {}) => new CheckedDebugClient({
  adapter: `${PYTHON} -m debugpy.adapter`, debugType: 'python', strictStartup: false, seqInWriteOrder: false,
  env: QUIET, ...extra,
});

test('debugpy over stdio: breakpoint, variables, step over, continue, output, terminated', async (t) => {
  const dc = debugpy();
  await dc.start();
  try {
    const figures = await breakpointSession(dc, standinPlan('harness'));
    t.diagnostic(`stdio: validated ${figures.received} received and ${figures.sent} sent messages; ` +
      `launch to breakpoint ${figures.stoppedAfterMs} ms`);
    assert.ok(figures.received > 20);
  } finally {
    await dc.finish();
  }
});

test('debugpy over TCP, two sessions at once', async (t) => {
  // debugpy's adapter serves one client in server mode and ends with it: one server per session.
  const servers = [];
  try {
    const figures = await Promise.all([0, 1].map(async (index) => {
      const port = await freePort();
      servers.push(spawn(PYTHON, ['-m', 'debugpy.adapter', '--host', '127.0.0.1', '--port', String(port)], {
        env: { ...process.env, ...QUIET }, stdio: 'ignore',
      }));
      const dc = debugpy();
      await dc.start(port);
      try {
        return await breakpointSession(dc, standinPlan(`tcp${index}`));
      } finally {
        await dc.finish();
      }
    }));
    for (const f of figures) assert.ok(f.received > 20);
    t.diagnostic(`tcp: launch to breakpoint ${figures.map((f) => f.stoppedAfterMs).join(', ')} ms`);
  } finally {
    for (const server of servers) server.kill();
  }
});

for (const [rule, expected] of [
  ['schema', /breaks StoppedEvent at \/body: must have required property 'reason'/],
  ['seq', /seq 5 from the adapter, expected 2/],
  ['request_seq', /request_seq 99: not a request of ours/],
  ['stdout', /not DAP framing on the adapter's output: "debug: listening/],
  ['reverse', /reverse request 'startDebugging': DebugClient cannot answer it/],
]) {
  test(`a broken adapter is caught: ${rule}`, async () => {
    const dc = new CheckedDebugClient({ adapter: `${PYTHON} ${BAD_ADAPTER} ${rule}`, timeout: 5000 });
    await dc.start();
    try {
      const session = dc.initializeRequest().then(() => new Promise(() => {})); // the break may come with the answer
      await assert.rejects(dc.within(session, 'a violation'), expected);
    } finally {
      dc.stopAdapter();
    }
  });
}

test('our own invalid request is refused before it is sent', async () => {
  const dc = new CheckedDebugClient({ adapter: `${PYTHON} ${BAD_ADAPTER} none`, timeout: 5000 });
  await dc.start();
  try {
    await dc.within(dc.initializeRequest(), 'initialize response');
    await assert.rejects(dc.setBreakpointsRequest({ breakpoints: [] }),
      /about to send an invalid message: 'setBreakpoints' request breaks SetBreakpointsRequest at \/arguments/);
    assert.deepEqual(dc.sentMessages.map((m) => m.command), ['initialize']);
    assert.deepEqual(dc.violations, []);
  } finally {
    dc.stopAdapter();
  }
});
