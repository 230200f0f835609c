import { ReactNode, useEffect, useRef } from 'react';

/** A modal dialog on the native <dialog> element: focus is trapped, Escape closes. */
export function Dialog({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      d.showModal();
      // showModal focuses the first focusable element (the Close button); start in the
      // dialog's first field instead, as the search box and name field expect.
      d.querySelector<HTMLElement>('.dialog-body input, .dialog-body select, .dialog-body textarea')?.focus();
    }
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog wide' : 'dialog'}
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2>{title}</h2>
        <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

export function StatusBadge({ status }: { status?: string }) {
  if (!status) return <span className="badge">—</span>;
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}
