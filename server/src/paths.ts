import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, for files the server reads: prisma/, client/dist/. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
