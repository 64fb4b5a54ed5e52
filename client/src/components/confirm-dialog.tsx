import type { ComponentChildren } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import { SessionExpiredContext } from '../session-context';

interface Props {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  /** A red confirm button, for what cannot be undone. */
  danger?: boolean;
  busy: boolean;
  /** Why the last attempt failed; the dialog stays open to show it and let the user retry. */
  error?: string;
  onConfirm(): void;
  onCancel(): void;
  /** Where focus goes when the dialog closes; by default, back to what opened it. */
  focusAfter?(): HTMLElement | null | undefined;
}

/**
 * A native modal <dialog>: focus is trapped, Escape cancels, and the page behind is inert. It is
 * unmounted rather than closed, so it gives focus back itself: to what opened it, or to
 * `focusAfter` when that is gone (the row of a deleted token, the picker of a chosen plan).
 */
export function ConfirmDialog({ title, children, confirmLabel, danger, busy, error, onConfirm, onCancel, focusAfter }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const after = useRef(focusAfter);
  after.current = focusAfter;
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => {
      // after this render, so the page behind shows what the confirm changed
      requestAnimationFrame(() => {
        const target = after.current?.() ?? (opener?.isConnected ? opener : null);
        target?.focus();
      });
    };
  }, []);
  const sessionExpired = useContext(SessionExpiredContext);
  useEffect(() => {
    if (sessionExpired) dialog.current?.close();
  }, [sessionExpired]);

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-description"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
      // Chrome closes without a cancel event on a repeated Escape with no user activation since
      onClose={onCancel}
    >
      <h2 id="confirm-title">{title}</h2>
      <div id="confirm-description">{children}</div>
      {error && (
        <p class="error" role="alert" data-testid="dialog-error">
          {error}
        </p>
      )}
      <div class="row end">
        <button type="button" class="secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" class={danger ? 'danger' : undefined} disabled={busy} onClick={onConfirm}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
