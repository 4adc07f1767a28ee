// What bin/tiphys.mjs runs.
import { runTiphys } from './program.ts';

process.exitCode = await runTiphys(process.argv.slice(2));
