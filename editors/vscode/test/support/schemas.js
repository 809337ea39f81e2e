'use strict';
// schemas/launch.schema.json checked with ajv (draft-07), as the adapter checks a configuration; and VS Code's
// launch.json schema for one debugger request, built from the manifest's attributes the way VS Code builds it.

const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv');

const REPO = path.join(__dirname, '..', '..', '..', '..');
const launchSchema = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'launch.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validateLaunch = ajv.compile(launchSchema);

/** The violations of schemas/launch.schema.json (instancePath and message), [] for a valid configuration. */
function launchSchemaErrors(configuration) {
  return validateLaunch(configuration) ? [] : validateLaunch.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/**
 * VS Code's schema for one configuration of `type` and `request`: the attributes with `additionalProperties: false`
 * and the fields VS Code adds itself (name, type, request, preLaunchTask, ...), name/type/request required.
 */
function vscodeRequestSchema(attributes, type, request) {
  const schema = JSON.parse(JSON.stringify(attributes));
  schema.type = 'object';
  schema.additionalProperties = false;
  schema.required = ['name', 'type', 'request', ...(schema.required || [])];
  schema.properties = {
    ...schema.properties,
    type: { enum: [type] },
    request: { enum: [request] },
    name: { type: 'string' },
    debugServer: { type: 'number' },
    preLaunchTask: { type: ['string', 'null'] },
    postDebugTask: { type: ['string', 'null'] },
    presentation: { type: 'object' },
    internalConsoleOptions: { enum: ['neverOpen', 'openOnSessionStart', 'openOnFirstSessionStart'] },
    suppressMultipleSessionWarning: { type: 'boolean' },
  };
  return ajv.compile(schema);
}

module.exports = { launchSchema, launchSchemaErrors, vscodeRequestSchema, REPO };
