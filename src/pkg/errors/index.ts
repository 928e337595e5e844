export { E, type ErrorDef, type ErrorLevel, type ErrorName, type ErrorScope } from './catalog.js';
export { asDmError, DmError, dmError, type ErrorStatus, isDmError } from './dm-error.js';
