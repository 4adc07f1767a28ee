// The top-level commands of `tiphys`, each with what the root help shows and the module that
// builds it. A command line loads only the group it names: `tiphys app list` never loads the Lua
// runtime of `admin health`, nor the Kubernetes client of commands it does not run (a CLI that
// loaded every group took about 2,000 modules and seconds of CPU before doing anything).
// program.test.ts checks that the help shown here is the help of the loaded commands.
import type { Command } from 'commander';

/** A top-level command as the root help lists it, before its module is loaded. */
export interface CommandSummary {
  /** The help's term: name, `[options]` when it has options, its arguments. */
  term: string;
  description: string;
}

export interface CommandGroup {
  /** Each top-level command the group adds, by name. */
  commands: Record<string, CommandSummary>;
  /** Imports the group's module; returns what adds its commands to the program. */
  load: () => Promise<(program: Command) => unknown>;
}

const summary = (term: string, description: string): CommandSummary => ({ term, description });

/** The CLI door's groups, in the order the help lists them (after `version`). */
export const cliCommandGroups: CommandGroup[] = [
  {
    commands: { admin: summary('admin', 'administration: offline checks and control-plane tasks') },
    load: async () => {
      const [health, password, backup] = await Promise.all([
        import('./admin-health.ts'),
        import('./admin-password.ts'),
        import('./admin-backup.ts'),
      ]);
      return (program) => {
        const admin = program
          .command('admin')
          .description('administration: offline checks and control-plane tasks');
        health.registerAdminHealthCommand(admin);
        password.registerInitialPasswordCommand(admin);
        backup.registerAdminBackupCommands(admin);
      };
    },
  },
  {
    commands: {
      app: summary('app [options]', 'manage Applications: create, inspect, sync, roll back, delete'),
    },
    load: async () => (await import('./app/index.ts')).registerAppCommands,
  },
  {
    commands: { appset: summary('appset [options]', 'ApplicationSets and their rollouts') },
    load: async () => (await import('./appset.ts')).registerApplicationSetCommands,
  },
  {
    commands: { cluster: summary('cluster [options]', 'register the clusters Applications deploy to') },
    load: async () => (await import('./cluster.ts')).registerClusterCommands,
  },
  {
    commands: { repo: summary('repo [options]', 'credentials for Git repositories') },
    load: async () => (await import('./repo.ts')).registerRepoCommands,
  },
  {
    commands: {
      proj: summary('proj [options]', 'manage AppProjects: what Applications may deploy, and where'),
    },
    load: async () => (await import('./proj.ts')).registerProjectCommands,
  },
  {
    commands: {
      pipeline: summary('pipeline [options]', 'promotion pipelines: stages, gates, history'),
      promote: summary(
        'promote [options] <pipeline>',
        'promote into a stage now (its gates must pass); exit 3 when refused, with the reason',
      ),
      approve: summary(
        'approve [options] <pipeline>',
        'approve the freight waiting at a stage (recorded with who and when)',
      ),
    },
    load: async () => (await import('./pipeline.ts')).registerPipelineCommands,
  },
  {
    commands: {
      image: summary('image [options]', 'images the config repository deploys (for CI pipelines)'),
    },
    load: async () => (await import('./image.ts')).registerImageCommands,
  },
  {
    commands: {
      login: summary(
        'login [options] [server]',
        'log in to a Tiphys API server; app, cluster, repo, proj and account commands then use it',
      ),
      logout: summary('logout', 'end the session with the API server and forget its token'),
    },
    load: async () => (await import('./login.ts')).registerLoginCommands,
  },
  {
    commands: {
      account: summary(
        'account [options]',
        'API tokens for CI pipelines (through the API server: run tiphys login first)',
      ),
    },
    load: async () => (await import('./account.ts')).registerAccountCommands,
  },
  {
    commands: { import: summary('import', "bring another tool's configuration into Tiphys") },
    load: async () => (await import('./import-argocd.ts')).registerImportCommands,
  },
];

/**
 * The top-level command a command line runs: its first word that is not an option, or the word
 * after `help`. Undefined for the root itself (`tiphys`, `tiphys --help`, `tiphys help`).
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Adds `groups` to `program`: fully (module loaded) when `argv` is undefined or names one of the
 * group's commands, otherwise as placeholders that only the root help shows.
 */
export async function addCommandGroups(
  program: Command,
  groups: readonly CommandGroup[],
  argv?: readonly string[],
): Promise<void> {
  const wanted = argv === undefined ? undefined : commandNamed(argv);
  const registers = await Promise.all(
    groups.map((group) =>
      argv === undefined || (wanted !== undefined && wanted in group.commands) ? group.load() : undefined,
    ),
  );
  groups.forEach((group, index) => {
    const register = registers[index];
    if (register) {
      register(program);
      return;
    }
    for (const [name, { description }] of Object.entries(group.commands)) {
      placeholderTerms.set(program.command(name).description(description), group.commands[name].term);
    }
  });
}

/** The help term of each placeholder command (Commander would derive it from options not added). */
export const placeholderTerms = new WeakMap<Command, string>();
