'use strict';
module.exports = require('./fake-vscode').vscode;
