// The ConfigMap the API server reads its RBAC policy from (src/server/auth/rbac-source.ts keeps
// the same name; the domain cannot import a door).
export const RBAC_CONFIGMAP_NAME = 'tiphys-rbac';
