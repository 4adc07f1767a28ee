import { type FormEvent, useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Logo } from '../components/TopNav.tsx';

export function LoginPage({ notice, onLoggedIn }: { notice?: string; onLoggedIn: () => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.login(username, password);
      await onLoggedIn();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} aria-label="Log in">
        <div className="login-brand">
          <Logo />
          <h1>Tiphys</h1>
        </div>
        <p className="muted">GitOps continuous delivery for Kubernetes</p>
        <ErrorBox error={error ?? notice} />
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <div className="divider">
          <span>or</span>
        </div>
        <a className="button" href="/auth/login">
          Log in with SSO
        </a>
      </form>
    </div>
  );
}
