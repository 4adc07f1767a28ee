// The thread that owns a Lua VM (lua-runtime.ts starts it). It answers one request at a time:
// a script runs synchronously inside this thread, so a script that never ends (one the
// instruction hook cannot stop, such as a C function's long search) is stopped by terminating
// this thread, and the main thread, which only waits for a message, loses nothing but this VM.
import { workerData } from 'node:worker_threads';
import type { LuaAnswer, LuaRequest, WorkerReady, WorkerSetup } from './lua-protocol.ts';
import { LuaVm } from './lua-vm.ts';

async function serve(setup: WorkerSetup): Promise<void> {
  const { port } = setup;
  let vm: LuaVm;
  try {
    vm = await LuaVm.create(setup.limits);
  } catch (error) {
    const failed: WorkerReady = {
      ready: false,
      error: `the Lua VM did not start: ${error instanceof Error ? error.message : error}`,
    };
    port.postMessage(failed);
    return;
  }
  port.on('message', (request: LuaRequest & { id: number }) => {
    let answer: LuaAnswer['answer'];
    try {
      if (request.mode === 'value')
        answer = vm.evaluate(request.script, request.obj, request.name, request.globals);
      else answer = vm.run(request.script, request.obj, request.name);
    } catch (error) {
      // A fault of the VM itself (not of a script): report it, and let the runtime start a new one.
      answer = {
        ok: false,
        error: `the Lua VM failed: ${error instanceof Error ? error.message : error}`,
        broken: true,
      };
    }
    const message: LuaAnswer = { id: request.id, answer };
    port.postMessage(message);
  });
  const ready: WorkerReady = { ready: true };
  port.postMessage(ready);
}

if (workerData !== null && workerData !== undefined) await serve(workerData as WorkerSetup);
