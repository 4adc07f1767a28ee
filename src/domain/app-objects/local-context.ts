// The context of the operations on an app's objects for a command run with a kubeconfig alone
// (`tiphys app actions`, `tiphys app logs` without an API server): a destination registry of its
// own, reading Cluster credentials from the control cluster as the API server does, and a Lua VM
// for custom actions; both live as long as the command.
import { DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import { LuaHealthRuntime } from '../../adapters/health/lua-runtime.ts';
import type { LuaValueRunner } from '../../core/actions/catalog.ts';
import type { ControlPlane } from '../control-plane.ts';
import type { AppObjectsContext } from './live-objects.ts';

export interface LocalAppObjects extends AppObjectsContext {
  lua: LuaValueRunner;
}

export async function withLocalAppObjects<T>(
  control: ControlPlane,
  body: (ctx: LocalAppObjects) => Promise<T>,
): Promise<T> {
  const destinations = new DestinationRegistry(control.rest.kubeConfig, control.namespace, () => () => {});
  const lua = new LuaHealthRuntime();
  try {
    return await body({ rest: control.rest, namespace: control.namespace, destinations, lua });
  } finally {
    lua.close();
    await destinations.stop();
  }
}
