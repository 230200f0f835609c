import { cloneElement, ReactElement, useId } from 'react';

/** A label tied to its control by id (not by wrapping, which would fold the control's
 * current value into its accessible name). */
export function Labeled({ label, className = 'field', children }: { label: string; className?: string; children: ReactElement }) {
  const id = useId();
  return (
    <div className={className}>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id })}
    </div>
  );
}
