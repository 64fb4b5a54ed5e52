/** The account's tokens exist but do not work: the server's words (Account.tokensPaused). */
export function TokensPausedNotice({ message }: { message: string }) {
  return (
    <p class="notice" role="status" data-testid="tokens-paused">
      <strong>Your tokens are paused.</strong> {message}
    </p>
  );
}
