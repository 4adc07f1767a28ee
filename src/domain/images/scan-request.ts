// A registry notification received by the API server: the controller may run in another process,
// so the request travels as an annotation on each ImageRepository the push names (a new value
// makes it due at the controller's next tick). As with the controller's own webhook, nothing of
// the notification but the repository's name is used: the scan asks the registry.
import type { ImageObjects } from '../../adapters/control-plane/image-objects.ts';
import { parseImageName } from '../../core/image/reference.ts';
import { SCAN_REQUEST_ANNOTATION } from '../../core/model/image-repository.ts';
import { pushNames, type RegistryPush } from '../../core/webhook/registry-event.ts';

/** Marks the ImageRepositories `push` names for a scan; returns how many. */
export async function requestScans(objects: ImageObjects, push: RegistryPush, now: Date): Promise<number> {
  if (push.images.length === 0) return 0;
  const repos = await objects.list('ImageRepository');
  const named = repos.filter((repo) => {
    try {
      const image = parseImageName(repo.spec.image);
      return push.images.some((pushed) => pushNames(pushed, image));
    } catch {
      return false;
    }
  });
  for (const repo of named)
    await objects.annotate('ImageRepository', repo.metadata.name, {
      [SCAN_REQUEST_ANNOTATION]: now.toISOString(),
    });
  return named.length;
}
