#!/usr/bin/env node
import { main } from '../dist/cli/serve.js';

await main();
