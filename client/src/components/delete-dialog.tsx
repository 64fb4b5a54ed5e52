import { useEffect, useRef } from 'preact/hooks';

interface Props {
  name: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A native modal <dialog>: focus is trapped, Escape cancels, and the page behind is inert. */
export function DeleteDialog({ name, busy, onConfirm, onCancel }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="delete-title" aria-describedby="delete-description" onCancel={onCancel}>
      <h3 id="delete-title">Delete “{name}”?</h3>
      <p id="delete-description">
        This cannot be undone. The token stops working immediately, and any application using it will receive
        authentication errors. It stays in the Deleted tab for audit.
      </p>
      <div class="row end">
        <button type="button" class="secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          Delete token
        </button>
      </div>
    </dialog>
  );
}
