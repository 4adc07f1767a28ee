import type { RenderTools } from './types.ts';

/** The helm and kustomize binaries: TIPHYS_HELM_BIN / TIPHYS_KUSTOMIZE_BIN, else from PATH. */
export function resolveTools(env: NodeJS.ProcessEnv = process.env): RenderTools {
  return {
    helm: env.TIPHYS_HELM_BIN || 'helm',
    kustomize: env.TIPHYS_KUSTOMIZE_BIN || 'kustomize',
  };
}
