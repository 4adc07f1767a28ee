import type { KubeObject } from '../manifest/object.ts';
import { listAt, stringAt, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, suspended } from './status.ts';

function timeAt(obj: KubeObject, field: string): number | undefined {
  const text = stringAt(obj, 'status', field);
  const time = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * A CronJob is Healthy while it runs on schedule: a running Job is its normal life, not a
 * rollout, so it never reads Progressing. It is Degraded when its last scheduled run did not
 * succeed and nothing is running now.
 */
export function cronJobHealth(obj: KubeObject): HealthResult {
  if (valueAt(obj, 'spec', 'suspend') === true) return suspended('CronJob is suspended');
  const lastSchedule = timeAt(obj, 'lastScheduleTime');
  if (lastSchedule === undefined) return healthy('CronJob has not been scheduled yet');
  const active = listAt(obj, 'status', 'active').length;
  if (active > 0) return healthy(`${active} job${active === 1 ? '' : 's'} running`);
  const lastSuccess = timeAt(obj, 'lastSuccessfulTime');
  if (lastSuccess === undefined || lastSuccess < lastSchedule) {
    return degraded(`The job scheduled at ${stringAt(obj, 'status', 'lastScheduleTime')} did not succeed`);
  }
  return healthy(`Last run succeeded at ${stringAt(obj, 'status', 'lastSuccessfulTime')}`);
}
