export { E, type ErrorDef, type ErrorLevel, type ErrorName, type ErrorScope } from './catalog.js';
export { asDmError, DmError, dmError, isDmError } from './dm-error.js';
