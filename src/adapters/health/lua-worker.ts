// The thread that owns a Lua VM (lua-runtime.ts starts it). It answers one request at a time,
// synchronously: it sleeps on a shared flag, takes the request from its port, runs the script
// and raises the flag again. It never returns to its event loop, so a script that never ends
// is stopped by terminating this thread, and the main thread loses nothing but this VM.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  FAILED,
  FLAG,
  type LuaRequest,
  READY,
  REQUEST,
  RESPONSE,
  STARTED,
  type WorkerSetup,
} from './lua-protocol.ts';
import { LuaVm } from './lua-vm.ts';

async function serve(setup: WorkerSetup): Promise<void> {
  const { flags, port } = setup;
  let vm: LuaVm;
  try {
    vm = await LuaVm.create(setup.limits);
  } catch (error) {
    port.postMessage({
      ok: false,
      error: `the Lua VM did not start: ${error instanceof Error ? error.message : error}`,
    });
    Atomics.store(flags, READY, FAILED);
    Atomics.notify(flags, READY);
    return;
  }
  Atomics.store(flags, READY, STARTED);
  Atomics.notify(flags, READY);
  for (;;) {
    let state = Atomics.load(flags, FLAG);
    while (state !== REQUEST) {
      Atomics.wait(flags, FLAG, state);
      state = Atomics.load(flags, FLAG);
    }
    const request = receiveMessageOnPort(port)?.message as LuaRequest | undefined;
    let answer: unknown;
    try {
      if (!request) answer = { ok: false, error: 'no request' };
      else if (request.mode === 'value')
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
    port.postMessage(answer);
    Atomics.store(flags, FLAG, RESPONSE);
    Atomics.notify(flags, FLAG);
  }
}

if (workerData !== null && workerData !== undefined) await serve(workerData as WorkerSetup);
