'use strict';
// Containers lambda-dap started for this test run: each carries the label `lambda-dap` and the labels in
// LAMBDA_DAP_CONTAINER_LABELS (set by tests/conftest.py, inherited by every lambda-dap the tests start).

const { execFile } = require('node:child_process');

function labelFilters() {
  const labels = ['lambda-dap', ...(process.env.LAMBDA_DAP_CONTAINER_LABELS || '').split(',').filter(Boolean)];
  return labels.flatMap((label) => ['--filter', `label=${label}`]);
}

/** Ids of this run's containers, running or not. */
function containers() {
  return new Promise((resolve, reject) => {
    execFile('docker', ['ps', '-a', '-q', '--no-trunc', ...labelFilters()], (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.split('\n').filter(Boolean));
    });
  });
}

/** Wait up to `ms` for this run's containers to be gone; resolve with those still there (empty: all gone). */
async function containersLeftAfter(ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await containers();
    if (!left.length || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

module.exports = { containers, containersLeftAfter };
