// Promotion pipelines: stages, freight, gates and history (docs/promotion.md).

/** A set of versions verified together (docs/promotion.md). */
export interface Freight {
  id: string;
  images?: Record<string, string>;
  tree?: string;
  commit: string;
}

export interface GateState {
  name: string;
  passed: boolean;
  message: string;
}

export interface StageHistoryEntry {
  kind: string;
  freight: string;
  by: string;
  at: string;
  result: string;
  message?: string;
  commit?: string;
}

export interface StageStatus {
  name: string;
  current?: Freight;
  health: string;
  message?: string;
  healthySince?: string;
  verified?: Freight[];
  candidate?: string;
  gates?: GateState[];
  held?: string;
  verification?: { freight: string; job: string; phase: string; message?: string };
  history?: StageHistoryEntry[];
  conditions?: { type: string; message: string }[];
}

export interface StageSpec {
  name: string;
  applications: string[];
  path?: string;
  branch?: string;
  soakSeconds?: number;
  approval?: boolean;
  autoPromote?: boolean;
}

export interface Pipeline {
  metadata: { name: string };
  spec: { project: string; repoURL: string; layout: 'overlays' | 'branches'; stages: StageSpec[] };
  approvals?: { stage: string; freight: string; by: string; at: string }[];
  status?: {
    stages?: StageStatus[];
    conditions?: { type: string; message: string }[];
    lastRequest?: { at: string; result: string; message: string };
  };
}

/** One message of GET /api/v1/stream/pipelines (`event: pipeline`). */
export interface PipelineStreamEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  pipeline: Pipeline;
}
