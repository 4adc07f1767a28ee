// The shell: who is logged in, the top navigation, and which page the route shows.
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, setUnauthorizedHandler } from './api/client.ts';
import type { UserInfo } from './api/types.ts';
import { ErrorBox } from './components/ErrorBox.tsx';
import { TopNav } from './components/TopNav.tsx';
import { Toasts } from './components/toasts.tsx';
import { AppListPage } from './pages/AppListPage.tsx';
import { AppPage } from './pages/AppPage.tsx';
import { AppSetListPage, AppSetPage } from './pages/AppSetPages.tsx';
import { ClusterPage } from './pages/ClusterPage.tsx';
import { ClustersPage } from './pages/ClustersPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { PipelinesPage } from './pages/PipelinesPage.tsx';
import { PreviewPage } from './pages/PreviewPage.tsx';
import { ProjectPage } from './pages/ProjectPage.tsx';
import { RepositoriesPage } from './pages/RepositoriesPage.tsx';
import { useRoute } from './router.ts';
import { appsStore } from './state/apps-store.ts';

type Session = { state: 'checking' } | { state: 'out'; error?: string } | { state: 'in'; user: UserInfo };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });

  const check = useCallback(async () => {
    try {
      const user = await api.userInfo();
      setSession(user.loggedIn ? { state: 'in', user } : { state: 'out' });
    } catch (error) {
      setSession({ state: 'out', error: errorMessage(error) });
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() =>
      setSession({ state: 'out', error: 'Your session has ended; log in again.' }),
    );
    void check();
  }, [check]);

  const loggedIn = session.state === 'in';
  useEffect(() => {
    if (!loggedIn) return;
    appsStore.start();
    return () => appsStore.stop();
  }, [loggedIn]);

  const logout = useCallback(async () => {
    appsStore.stop();
    try {
      await api.logout();
    } finally {
      setSession({ state: 'out' });
    }
  }, []);

  if (session.state === 'checking') return <div className="splash">Loading…</div>;
  if (session.state === 'out') {
    return (
      <>
        <LoginPage notice={session.error} onLoggedIn={check} />
        <Toasts />
      </>
    );
  }
  return (
    <div className="shell">
      <TopNav user={session.user} onLogout={logout} />
      <main className="main">
        <Pages />
      </main>
      <Toasts />
    </div>
  );
}

function Pages() {
  const { segments, query } = useRoute();
  const [first, second, third] = segments;
  if (first === undefined || (first === 'applications' && second === undefined)) {
    return <AppListPage query={query} />;
  }
  if (first === 'applications' && second !== undefined && third === 'preview')
    return <PreviewPage key={second} name={second} revision={query.get('revision') ?? ''} />;
  if (first === 'applications' && second !== undefined && third === undefined)
    return <AppPage key={second} name={second} />;
  if (first === 'projects' && second !== undefined) return <ProjectPage key={second} name={second} />;
  if (first === 'applicationsets' && second !== undefined) return <AppSetPage key={second} name={second} />;
  if (first === 'applicationsets') return <AppSetListPage />;
  if (first === 'pipelines') return <PipelinesPage />;
  if (first === 'clusters' && second !== undefined) return <ClusterPage key={second} name={second} />;
  if (first === 'clusters') return <ClustersPage />;
  if (first === 'repositories') return <RepositoriesPage />;
  return (
    <div className="page">
      <ErrorBox error={`There is no page at #/${segments.join('/')}.`} />
      <a href="#/applications">Go to the applications</a>
    </div>
  );
}
