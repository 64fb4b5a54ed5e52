// Imports every type file (each registers its fields on the builder) and builds the schema.
import { builder } from './builder.js';
import './types/scalars.js';
import './types/account.js';
import './types/api-token.js';
import './types/document.js';
import './types/audit-event.js';
import './types/webhook.js';
import './types/usage.js';
import './types/request-log.js';
import './types/token-connection.js';
import './types/session.js';
import './types/two-factor.js';
import './types/team.js';
import './types/email.js';
import './types/error-code.js';

export const schema = builder.toSchema({ sortSchema: true });
