// Worker-thread bootstrap of the inversion pool: register tsx (the sources are TypeScript) and load the worker body.
import { register } from 'tsx/esm/api';
register();
await import('./invert-worker-body.ts');
