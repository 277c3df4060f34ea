#!/usr/bin/env node
import { main } from '../dist/echo/cli.js';

await main();
