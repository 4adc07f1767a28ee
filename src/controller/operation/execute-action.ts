import type { ClusterClient } from '../../adapters/kube/cluster-client.ts';
import { isFencedWrite } from '../../adapters/kube/write-fence.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { setTrackingId } from '../../core/manifest/tracking.ts';
import type { ActionResult, SyncAction } from '../../core/sync/index.ts';
import { createOrAdoptHook, deleteIfOwned, replaceIfOwned } from './guarded-writes.ts';

/**
 * Runs one action of a sync step against the destination cluster and reports it as data. Every
 * action is safe to repeat: an apply is idempotent, a hook's name is fixed per operation (so a
 * second create finds it: AlreadyExists counts as done), and deleting what is gone is done.
 * Deletions, replaces and hook adoption act only on the app's own objects (guarded-writes.ts).
 */
export async function executeAction(
  client: ClusterClient,
  appName: string,
  action: SyncAction,
  onApplied?: (result: KubeObject) => void,
): Promise<ActionResult> {
  try {
    switch (action.verb) {
      case 'apply': {
        const object = action.object as KubeObject;
        const validate = action.options?.validate;
        const result =
          action.options?.replace || validate === false
            ? await replaceIfOwned(client, appName, object, { dryRun: action.dryRun, validate })
            : await client.apply(object, { dryRun: action.dryRun, force: true });
        if (!action.dryRun) onApplied?.(result);
        return ok(action, result);
      }
      case 'create': {
        // Hooks carry the tracking id too, so their Pods' and Jobs' events reach this app.
        const object = setTrackingId(action.object as KubeObject, appName);
        return ok(action, await createOrAdoptHook(client, appName, object, { dryRun: action.dryRun }));
      }
      case 'delete': {
        await deleteIfOwned(client, appName, objectOf(action), {
          dryRun: action.dryRun,
          propagation: capitalise(action.propagationPolicy ?? 'foreground'),
          expectedUid: action.expectedUid,
        });
        return { actionId: action.id, ok: true };
      }
    }
  } catch (error) {
    // Not a failure of the sync: this replica no longer owns the cluster (write-fence.ts); the
    // operation stops here, unrecorded, and the owner resumes it from the persisted state.
    if (isFencedWrite(error)) throw error;
    return {
      actionId: action.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

function ok(action: SyncAction, result: KubeObject | undefined): ActionResult {
  const outcome: ActionResult = { actionId: action.id, ok: true };
  if (result?.metadata?.uid && !action.dryRun) outcome.uid = result.metadata.uid;
  if (typeof result?.metadata?.generation === 'number' && !action.dryRun)
    outcome.generation = result.metadata.generation;
  return outcome;
}

function objectOf(action: SyncAction): KubeObject {
  const { ref } = action;
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

function capitalise(policy: string): string {
  return policy.charAt(0).toUpperCase() + policy.slice(1);
}
