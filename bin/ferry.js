#!/usr/bin/env node
// The `ferry` command. The TypeScript sources are built into dist/ by `npm install`
// (the prepare script) and by `npm run build`.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
