// ApplicationSet: stamps out Applications from generators. Its spec is free-form until the
// ApplicationSet controller exists; the CRD is installed now so manifests using it apply.
import { type Static, Type } from 'typebox';
import { API_VERSION, FreeForm, ObjectMeta } from './common.ts';

export const APPLICATION_SET_KIND = 'ApplicationSet';

export const ApplicationSet = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(APPLICATION_SET_KIND),
  metadata: ObjectMeta,
  spec: FreeForm({ description: 'Generators and the Application template; not validated yet.' }),
  status: Type.Optional(FreeForm({ description: 'Reserved for the ApplicationSet controller.' })),
});
export type ApplicationSet = Static<typeof ApplicationSet>;
