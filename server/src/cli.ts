#!/usr/bin/env node
import module from 'node:module';

// Caching compiled code on disk (Node >= 22.1) cuts Ferry's start-up roughly in half from the second
// launch on; the rest of the CLI is loaded only after the cache is switched on.
module.enableCompileCache?.();
await import('./cli/main.js');
