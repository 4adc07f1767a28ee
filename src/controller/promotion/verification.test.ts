import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pipeline, StageSpec } from '../../core/model/pipeline.ts';
import { ATTEMPT_ANNOTATION, verificationJob, verificationJobName } from './verification.ts';

describe('verification Jobs', () => {
  test('each retry is a new Job: the attempt in its name, its Pods and their environment', () => {
    assert.equal(verificationJobName('hello', 'dev', 'abc123'), 'verify-hello-dev-abc123');
    assert.equal(verificationJobName('hello', 'dev', 'abc123', 3), 'verify-hello-dev-abc123-r2');
    const long = verificationJobName('a'.repeat(40), 'staging', 'abcdef123456', 2);
    assert.ok(long.length <= 63, long);
    assert.notEqual(long, verificationJobName('a'.repeat(40), 'staging', 'abcdef123456', 3));

    const stage = {
      name: 'dev',
      applications: ['a'],
      verification: {
        job: {
          template: { metadata: { annotations: { keep: 'me' } }, spec: { containers: [{ name: 'c' }] } },
        },
      },
    } as StageSpec;
    const pipeline = { metadata: { name: 'hello' } } as Pipeline;
    const job = verificationJob(
      pipeline,
      stage,
      { id: 'abc123', commit: 'c' },
      'verify-hello-dev-abc123-r1',
      'ns',
      2,
    );
    const template = job.spec.template as {
      metadata: { annotations: Record<string, string> };
      spec: { containers: { env: { name: string; value: string }[] }[] };
    };
    assert.deepEqual(template.metadata.annotations, { keep: 'me', [ATTEMPT_ANNOTATION]: '2' });
    assert.deepEqual(
      template.spec.containers[0].env.find((e) => e.name === 'TIPHYS_ATTEMPT'),
      { name: 'TIPHYS_ATTEMPT', value: '2' },
    );
    assert.equal(job.spec.backoffLimit, 0);
  });
});
