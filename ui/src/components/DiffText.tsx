// A unified diff as text, its added, removed and hunk lines coloured (the resource panel's Diff
// tab and the preview page).
export function DiffText({ text }: { text: string }) {
  const lines = text.split('\n');
  return (
    <pre className="code diff-text">
      {lines.map((line, i) => {
        const c = line[0];
        const cls = c === '+' ? 'add' : c === '-' ? 'del' : c === '@' ? 'hunk' : '';
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed text; position is identity
          <span key={i} className={cls}>
            {line}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}
