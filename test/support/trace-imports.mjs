// Preloaded with `node --import`: appends the URL of every module the process loads to the file named
// by HSMWATCH_TRACE_IMPORTS, so a test can tell which packages a command really loads.
import { register } from 'node:module';

if (process.env.HSMWATCH_TRACE_IMPORTS) {
  register('./trace-imports-hooks.mjs', import.meta.url, {
    data: { file: process.env.HSMWATCH_TRACE_IMPORTS },
  });
}
