// The image automation's objects in the control namespace: the three kinds, their status
// subresources, the Secrets they may read (labelled for registries) and the AppProjects.
import type { AppProject } from '../../core/model/app-project.ts';
import { API_VERSION } from '../../core/model/common.ts';
import type { ImagePolicy } from '../../core/model/image-policy.ts';
import type { ImageRepository } from '../../core/model/image-repository.ts';
import type { ImageUpdater } from '../../core/model/image-updater.ts';
import { KubeApiError, type KubeRest } from '../kube/rest.ts';

const plural = {
  ImageRepository: 'imagerepositories',
  ImagePolicy: 'imagepolicies',
  ImageUpdater: 'imageupdaters',
} as const;
type ImageKind = keyof typeof plural;

export interface SecretObject {
  metadata: { name: string; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

export class ImageObjects {
  readonly rest: KubeRest;
  readonly namespace: string;

  constructor(rest: KubeRest, namespace: string) {
    this.rest = rest;
    this.namespace = namespace;
  }

  #path(kind: ImageKind, name?: string): string {
    return `/apis/${API_VERSION}/namespaces/${this.namespace}/${plural[kind]}${name ? `/${name}` : ''}`;
  }

  async list<K extends ImageKind>(kind: K): Promise<KindType[K][]> {
    const list = await this.rest.request<{ items: KindType[K][] }>('GET', this.#path(kind));
    return list.items;
  }

  /** Merge-patches annotations of an object (a scan request of the API server's registry webhook). */
  async annotate(kind: ImageKind, name: string, annotations: Record<string, string>): Promise<void> {
    await this.rest.request('PATCH', this.#path(kind, name), {
      body: { metadata: { annotations } },
      contentType: 'application/merge-patch+json',
    });
  }

  async patchStatus(kind: ImageKind, name: string, status: Record<string, unknown>): Promise<void> {
    await this.rest.request('PATCH', `${this.#path(kind, name)}/status`, {
      body: { status },
      contentType: 'application/merge-patch+json',
    });
  }

  async project(name: string): Promise<AppProject | undefined> {
    try {
      return await this.rest.request<AppProject>(
        'GET',
        `/apis/${API_VERSION}/namespaces/${this.namespace}/appprojects/${name}`,
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async secret(name: string): Promise<SecretObject | undefined> {
    try {
      return await this.rest.request<SecretObject>(
        'GET',
        `/api/v1/namespaces/${this.namespace}/secrets/${name}`,
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }
}

interface KindType {
  ImageRepository: ImageRepository;
  ImagePolicy: ImagePolicy;
  ImageUpdater: ImageUpdater;
}
