import type { UserInfo } from '../api/types.ts';
import { useRoute } from '../router.ts';
import { useApps } from '../state/apps-store.ts';

const LINKS = [
  { href: '#/applications', label: 'Applications', section: 'applications' },
  { href: '#/applicationsets', label: 'AppSets', section: 'applicationsets' },
  { href: '#/pipelines', label: 'Pipelines', section: 'pipelines' },
  { href: '#/clusters', label: 'Clusters', section: 'clusters' },
  { href: '#/repositories', label: 'Repositories', section: 'repositories' },
];

export function Logo() {
  return (
    <svg className="logo" width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
      <circle cx="16" cy="16" r="9" fill="none" stroke="currentColor" strokeWidth="3" />
      <path
        d="M16 2v6M16 24v6M2 16h6M24 16h6M6.1 6.1l4.2 4.2M21.7 21.7l4.2 4.2M6.1 25.9l4.2-4.2M21.7 10.3l4.2-4.2"
        stroke="currentColor"
        strokeWidth="3"
        strokeLinecap="round"
      />
      <circle cx="16" cy="16" r="3" fill="currentColor" />
    </svg>
  );
}

export function TopNav({ user, onLogout }: { user: UserInfo; onLogout: () => void }) {
  const { segments } = useRoute();
  const section = segments[0] ?? 'applications';
  const { live } = useApps();
  return (
    <header className="topnav">
      <a className="brand" href="#/applications">
        <Logo />
        <span>Tiphys</span>
      </a>
      <nav aria-label="Main">
        {LINKS.map((l) => (
          <a key={l.href} href={l.href} className={section === l.section ? 'active' : ''}>
            {l.label}
          </a>
        ))}
      </nav>
      <div className="topnav-right">
        <span
          className={`live live-${live}`}
          title={live === 'live' ? 'Receiving live updates' : 'Live updates interrupted; reconnecting'}
        >
          <span className="dot" />
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Reconnecting'}
        </span>
        <span className="user" title={user.groups?.length ? `Groups: ${user.groups.join(', ')}` : undefined}>
          {user.username}
        </span>
        <button type="button" className="button subtle" onClick={onLogout}>
          Log out
        </button>
      </div>
    </header>
  );
}
