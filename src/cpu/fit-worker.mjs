// Worker-thread bootstrap: register tsx (the sources are TypeScript) and load the worker body.
import { register } from 'tsx/esm/api';
register();
await import('./fit-worker-body.ts');
