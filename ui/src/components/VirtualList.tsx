// A windowed list: only the rows in view (plus a few either side) are in the DOM, so thousands of
// applications scroll as smoothly as ten. Rows have one fixed height.
import { type ReactNode, useEffect, useRef, useState } from 'react';

const OVERSCAN = 6;

export function VirtualList<T>({
  items,
  rowHeight,
  renderRow,
  rowKey,
  className,
  label,
}: {
  items: readonly T[];
  rowHeight: number;
  renderRow: (item: T, index: number) => ReactNode;
  rowKey: (item: T) => string;
  className?: string;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // A shorter list (a filter narrowed it) must not leave the view scrolled past its end.
  const maxTop = Math.max(0, items.length * rowHeight - height);
  const top = Math.min(scrollTop, maxTop);
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <li
        key={rowKey(items[i])}
        className="virtual-row"
        aria-setsize={items.length}
        aria-posinset={i + 1}
        style={{ top: i * rowHeight, height: rowHeight }}
      >
        {renderRow(items[i], i)}
      </li>,
    );
  }
  return (
    <div
      ref={ref}
      className={`virtual-list ${className ?? ''}`}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <ul className="virtual-items" aria-label={label} style={{ height: items.length * rowHeight }}>
        {rows}
      </ul>
    </div>
  );
}
