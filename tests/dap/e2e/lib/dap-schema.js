'use strict';
// Validates DAP messages against the protocol's own JSON schema (draft-04, ../debugAdapterProtocol.json), the same
// rules as tests/dap/dap_schema.py: the base ProtocolMessage, Request/Response/Event by `type`, then the specific
// <Command>Request / <Command>Response / <Event>Event when the schema pins that name; failed responses against
// ErrorResponse; custom commands and events (invoke, direct-invoke) against the base definitions only.

const path = require('node:path');
const Ajv = require('ajv-draft-04');

const SCHEMA_PATH = path.join(__dirname, '..', '..', 'debugAdapterProtocol.json');
const schema = require(SCHEMA_PATH);
const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
ajv.addSchema(schema, 'dap');

const BASE_BY_TYPE = { request: 'Request', response: 'Response', event: 'Event' };

function pins(definitionName, key, name) {
  const definition = schema.definitions[definitionName];
  return Boolean(definition && (definition.allOf || []).some((part) => {
    const property = (part.properties || {})[key];
    return property && Array.isArray(property.enum) && property.enum.length === 1 && property.enum[0] === name;
  }));
}

function specificDefinition(kind, name) {
  if (typeof name !== 'string' || name === '') return null;
  const stem = name[0].toUpperCase() + name.slice(1);
  if (kind === 'event') return pins(`${stem}Event`, 'event', name) ? `${stem}Event` : null;
  if (!pins(`${stem}Request`, 'command', name)) return null;
  return kind === 'request' ? `${stem}Request` : (schema.definitions[`${stem}Response`] ? `${stem}Response` : null);
}

/** The definitions `message` is checked against, most general first. */
function definitionsFor(message) {
  const names = ['ProtocolMessage'];
  const base = BASE_BY_TYPE[message && message.type];
  if (!base) return names;
  names.push(base);
  if (message.type === 'response' && message.success === false) {
    names.push('ErrorResponse');
    return names;
  }
  const specific = specificDefinition(message.type, message.type === 'event' ? message.event : message.command);
  if (specific) names.push(specific);
  return names;
}

/** null when `message` is a valid DAP message, else one line naming the definition and the field. */
function schemaError(message) {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return `a DAP message must be a JSON object, got ${JSON.stringify(message)}`;
  }
  const names = definitionsFor(message);
  const label = message.command || message.event || message.type;
  for (const name of names) {
    const validate = ajv.getSchema(`dap#/definitions/${name}`);
    if (!validate(message)) {
      const [error] = validate.errors;
      return `'${label}' ${message.type} breaks ${name} at ${error.instancePath || '(message)'}: ${error.message}`;
    }
  }
  if (names.length === 1) {
    return `message type must be one of request, response, event; got ${JSON.stringify(message.type)}`;
  }
  return null;
}

module.exports = { SCHEMA_PATH, definitionsFor, schemaError };
