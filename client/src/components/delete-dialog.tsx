import { ConfirmDialog } from './confirm-dialog';
import { RelativeTime } from './relative-time';

const RECENT_USE_MS = 7 * 24 * 60 * 60 * 1000;

interface Props {
  name: string;
  lastUsedAt: string | null | undefined;
  busy: boolean;
  error?: string;
  onConfirm(): void;
  onCancel(): void;
  focusAfter(): HTMLElement | null | undefined;
}

export function DeleteDialog({ name, lastUsedAt, ...actions }: Props) {
  const recentlyUsed = lastUsedAt !== null && lastUsedAt !== undefined && Date.now() - Date.parse(lastUsedAt) < RECENT_USE_MS;
  return (
    <ConfirmDialog title={`Delete “${name}”?`} confirmLabel="Delete token" danger {...actions}>
      {recentlyUsed && (
        <p class="notice" data-testid="recent-use-warning">
          <strong>This token is in use:</strong> it was last used <RelativeTime iso={lastUsedAt!} />. Whatever uses it will
          start failing.
        </p>
      )}
      <p>
        This cannot be undone. The token stops working immediately, and any application using it will receive
        authentication errors. It stays in the Deleted tab for audit.
      </p>
    </ConfirmDialog>
  );
}
