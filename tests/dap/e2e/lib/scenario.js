'use strict';
// The debugging session a user goes through, as one reusable check: initialize, launch (or any launch-like request),
// a breakpoint at a given line of a local file, variables, step over, continue, output seen, exited, terminated.

const assert = require('node:assert/strict');

/** dc.waitForEvent(name), registered now (so an early event is not missed), never an unhandled rejection. */
function expectEvent(dc, name) {
  const promise = dc.waitForEvent(name, dc.defaultTimeout);
  promise.catch(() => {});
  return promise;
}

/**
 * @param {import('./checked-client').CheckedDebugClient} dc a started client
 * @param {object} plan
 * @param {string} [plan.request] the launch command: 'launch' (default), 'attach', 'direct-invoke'
 * @param {object} plan.args the launch configuration
 * @param {object} [plan.initialize] initialize arguments (default: DebugClient's)
 * @param {string} plan.source the local file holding the breakpoint
 * @param {number} plan.breakpointLine
 * @param {number} plan.stepLine where one step over the breakpoint line lands
 * @param {object} [plan.variables] name -> value expected among the breakpoint frame's first scope
 * @param {object} [plan.variablesAfterStep] the same, after the step
 * @param {string[]} [plan.stdout] texts that must appear in `stdout` output
 * @param {string[]} [plan.stderr] texts that must appear in `stderr` output
 * @param {number} [plan.exitCode] the `exited` event's code
 * @returns {Promise<object>} figures: ms from the launch request to the breakpoint stop, message counts
 */
async function breakpointSession(dc, plan) {
  const request = plan.request || 'launch';
  const initialized = expectEvent(dc, 'initialized');
  const firstStop = expectEvent(dc, 'stopped');
  const capabilities = (await dc.within(dc.initializeRequest(plan.initialize), 'initialize response')).body || {};

  const launchedAt = Date.now();
  const launched = request === 'launch' ? dc.launchRequest(plan.args) : dc.customRequest(request, plan.args);
  launched.catch(() => {});
  await dc.within(initialized, 'initialized event');
  const placed = await dc.within(dc.setBreakpointsRequest({
    source: { path: plan.source },
    breakpoints: [{ line: plan.breakpointLine }],
  }), 'setBreakpoints response');
  const [breakpoint] = placed.body.breakpoints;
  assert.equal(breakpoint.verified, true, `breakpoint at ${plan.source}:${plan.breakpointLine} not verified`);
  assert.equal(breakpoint.line, plan.breakpointLine);
  if (capabilities.supportsConfigurationDoneRequest) {
    await dc.within(dc.configurationDoneRequest(), 'configurationDone response');
  }
  await dc.within(launched, `${request} response`);

  const stopped = await dc.within(firstStop, 'stop at the breakpoint');
  const stoppedAfterMs = Date.now() - launchedAt;
  assert.equal(stopped.body.reason, 'breakpoint');
  const frame = await dc.topFrame(stopped);
  assert.equal(frame.source && frame.source.path, plan.source, 'stopped in the local file');
  assert.equal(frame.line, plan.breakpointLine, 'stopped at the breakpoint line');
  const values = await dc.variables(frame.id);
  for (const [name, value] of Object.entries(plan.variables || {})) {
    assert.equal(values[name], value, `variable ${name} at the breakpoint (all: ${JSON.stringify(values)})`);
  }

  const stepStop = expectEvent(dc, 'stopped');
  await dc.within(dc.nextRequest({ threadId: stopped.body.threadId }), 'next response');
  const stepped = await dc.within(stepStop, 'stop after step over');
  assert.equal(stepped.body.reason, 'step');
  const stepFrame = await dc.topFrame(stepped);
  assert.equal(stepFrame.source && stepFrame.source.path, plan.source);
  assert.equal(stepFrame.line, plan.stepLine, 'step over lands on the next line');
  const stepValues = await dc.variables(stepFrame.id);
  for (const [name, value] of Object.entries(plan.variablesAfterStep || {})) {
    assert.equal(stepValues[name], value, `variable ${name} after the step (all: ${JSON.stringify(stepValues)})`);
  }

  const exited = expectEvent(dc, 'exited');
  const terminated = expectEvent(dc, 'terminated');
  await dc.within(dc.continueRequest({ threadId: stepped.body.threadId }), 'continue response');
  for (const text of plan.stdout || []) await dc.waitForOutput(text, 'stdout');
  for (const text of plan.stderr || []) await dc.waitForOutput(text, 'stderr');
  const exit = await dc.within(exited, 'exited event');
  if (plan.exitCode !== undefined) assert.equal(exit.body.exitCode, plan.exitCode);
  await dc.within(terminated, 'terminated event');
  return { stoppedAfterMs, received: dc.received.length, sent: dc.sentMessages.length };
}

module.exports = { breakpointSession, expectEvent };
