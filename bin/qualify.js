#!/usr/bin/env node
// The `qualify` command. tsx runs the TypeScript sources directly, so a clone needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
