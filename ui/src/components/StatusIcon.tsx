// Status icons drawn as inline SVG, so they look the same whatever fonts the browser has.
// Shapes differ per status, not only colours, for readers who cannot tell the colours apart.

export type IconName =
  | 'heart'
  | 'progress'
  | 'broken'
  | 'pause'
  | 'ghost'
  | 'question'
  | 'check'
  | 'arrow'
  | 'cross';

const PATHS: Record<IconName, React.ReactNode> = {
  heart: (
    <path
      d="M8 14s-5.5-3.4-5.5-7.2A3 3 0 0 1 8 4.6a3 3 0 0 1 5.5 2.2C13.5 10.6 8 14 8 14z"
      fill="currentColor"
    />
  ),
  progress: (
    <>
      <circle cx="8" cy="8" r="5.5" fill="none" stroke="currentColor" strokeOpacity="0.3" strokeWidth="2" />
      <path
        d="M8 2.5a5.5 5.5 0 0 1 5.5 5.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
      >
        <animateTransform
          attributeName="transform"
          type="rotate"
          from="0 8 8"
          to="360 8 8"
          dur="1.2s"
          repeatCount="indefinite"
        />
      </path>
    </>
  ),
  broken: (
    <>
      <path
        d="M8 14s-5.5-3.4-5.5-7.2A3 3 0 0 1 8 4.6a3 3 0 0 1 5.5 2.2C13.5 10.6 8 14 8 14z"
        fill="currentColor"
      />
      <path d="M8.6 4.8 7 7.6l2 1.2-1.4 3" fill="none" stroke="#fff" strokeWidth="1.3" />
    </>
  ),
  pause: (
    <>
      <rect x="4" y="3" width="3" height="10" rx="1" fill="currentColor" />
      <rect x="9" y="3" width="3" height="10" rx="1" fill="currentColor" />
    </>
  ),
  ghost: (
    <circle cx="8" cy="8" r="5.5" fill="none" stroke="currentColor" strokeWidth="2" strokeDasharray="2.5 2" />
  ),
  question: (
    <>
      <circle cx="8" cy="8" r="6.5" fill="currentColor" />
      <path d="M6 6.2a2 2 0 1 1 2.8 1.8c-.6.3-.8.7-.8 1.3" fill="none" stroke="#fff" strokeWidth="1.5" />
      <circle cx="8" cy="11.6" r="0.9" fill="#fff" />
    </>
  ),
  check: (
    <>
      <circle cx="8" cy="8" r="6.5" fill="currentColor" />
      <path d="M5 8.3l2 2 4-4.3" fill="none" stroke="#fff" strokeWidth="1.7" strokeLinecap="round" />
    </>
  ),
  arrow: (
    <>
      <circle cx="8" cy="8" r="6.5" fill="currentColor" />
      <path
        d="M8 11.5v-7M5.2 7.2 8 4.4l2.8 2.8"
        fill="none"
        stroke="#fff"
        strokeWidth="1.7"
        strokeLinecap="round"
      />
    </>
  ),
  cross: (
    <>
      <circle cx="8" cy="8" r="6.5" fill="currentColor" />
      <path d="M5.5 5.5l5 5m0-5-5 5" fill="none" stroke="#fff" strokeWidth="1.7" strokeLinecap="round" />
    </>
  ),
};

export function StatusIcon({
  name,
  size = 14,
  x,
  y,
}: {
  name: IconName;
  size?: number;
  x?: number;
  y?: number;
}) {
  return (
    <svg className="icon" x={x} y={y} width={size} height={size} viewBox="0 0 16 16" aria-hidden="true">
      {PATHS[name]}
    </svg>
  );
}
