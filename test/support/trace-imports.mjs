// Preloaded with `node --import`: appends the URL of every module the process loads to the file named
// by HSMWATCH_TRACE_IMPORTS, so a test can tell which packages a command really loads. A `%p` in the
// name is this process's pid: NODE_OPTIONS reaches child processes too, each gets its own file.
import { register } from 'node:module';

if (process.env.HSMWATCH_TRACE_IMPORTS) {
  register('./trace-imports-hooks.mjs', import.meta.url, {
    data: { file: process.env.HSMWATCH_TRACE_IMPORTS.replaceAll('%p', String(process.pid)) },
  });
}
