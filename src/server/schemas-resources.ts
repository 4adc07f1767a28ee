// Request and response shapes of the routes about one resource of an app: its actions and logs.
import { Type } from 'typebox';

export const ResourceQuery = Type.Object({
  group: Type.Optional(Type.String({ description: "API group; '' or absent for the core group." })),
  kind: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  name: Type.String({ minLength: 1 }),
});

export const ResourceActionList = Type.Object({
  actions: Type.Array(
    Type.Object({
      name: Type.String(),
      disabled: Type.Boolean(),
      displayName: Type.Optional(Type.String()),
      iconClass: Type.Optional(Type.String()),
      params: Type.Optional(
        Type.Array(Type.Object({ name: Type.String(), description: Type.Optional(Type.String()) })),
      ),
      source: Type.Union([Type.Literal('builtin'), Type.Literal('custom')]),
    }),
  ),
  error: Type.Optional(
    Type.String({ description: 'Why the custom actions of the kind could not be listed.' }),
  ),
});

export const ResourceActionRequest = Type.Object(
  {
    action: Type.String({ minLength: 1, maxLength: 63 }),
    params: Type.Optional(
      Type.Array(
        Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 63 }), value: Type.String({ maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        { maxItems: 16 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ResourceActionResult = Type.Object({
  message: Type.String(),
  changed: Type.Boolean(),
});

export const LogsQuery = Type.Object({
  group: Type.Optional(Type.String()),
  kind: Type.Optional(
    Type.String({ minLength: 1, description: 'With name: only the Pods below this object.' }),
  ),
  namespace: Type.Optional(Type.String()),
  name: Type.Optional(Type.String({ minLength: 1 })),
  container: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  follow: Type.Optional(Type.Boolean({ description: 'Keep the stream open and send new lines.' })),
  previous: Type.Optional(Type.Boolean({ description: 'The log of the previous run of the container.' })),
  tailLines: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  sinceSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
});

/** Which Pods' containers: all of the app's, or those below one object (as for the logs). */
export const LogContainersQuery = Type.Pick(LogsQuery, ['group', 'kind', 'namespace', 'name']);

export const LogContainers = Type.Object({
  items: Type.Array(
    Type.Object({
      pod: Type.String(),
      namespace: Type.String(),
      containers: Type.Array(
        Type.Object({
          name: Type.String(),
          init: Type.Boolean({
            description: 'An init container (its log is read by asking for it by name).',
          }),
        }),
      ),
    }),
  ),
});
